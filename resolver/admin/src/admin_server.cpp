// The admin HTTP server: the hardened listener, answering with the admin API's routes.
#include "sprout/admin/admin_server.hpp"

#include "admin_routes.hpp"
#include "http_listener.hpp"

namespace sprout::admin {

AdminServer::AdminServer(boost::asio::io_context& ioc, AdminOptions options, Handlers handlers) {
  detail::ListenerLimits limits;
  limits.max_header_bytes = options.max_header_bytes;
  limits.max_body_bytes = options.max_body_bytes;
  limits.read_timeout = options.read_timeout;
  limits.write_timeout = options.write_timeout;
  limits.max_connections = options.max_connections;
  const std::string address = options.address;
  const std::uint16_t port = options.port;
  auto handler = [options = std::move(options), handlers = std::move(handlers)](const detail::Request& req,
                                                                                 const detail::tcp::endpoint&) {
    return detail::route_request(req, options, handlers);
  };
  listener_ = detail::HttpListener::start(ioc, address, port, limits, std::move(handler));
}

AdminServer::~AdminServer() { stop(); }

std::uint16_t AdminServer::port() const noexcept { return listener_ ? listener_->port() : 0; }

void AdminServer::stop() {
  if (listener_) listener_->close();
}

}  // namespace sprout::admin
