// The admin HTTP server: the hardened listener, answering with the admin API's routes.
#include "sprout/admin/admin_server.hpp"

#include "admin_routes.hpp"
#include "http_listener.hpp"

#include <memory>

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
  // Accounts and sessions live with the handler, which runs on the control thread (the one
  // thread running this io_context): no lock needed.
  auto auth = std::make_shared<detail::AuthState>(options.accounts_file, options.sessions);
  auto handler = [options = std::move(options), handlers = std::move(handlers), auth](const detail::Request& req,
                                                                                       const detail::tcp::endpoint& remote) {
    const auto address = remote.address();
    const bool loopback = address.is_loopback() ||
                          (address.is_v6() && address.to_v6().is_v4_mapped() &&
                           boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6()).is_loopback());
    return detail::route_request(req, detail::Peer{address.to_string(), loopback}, options, handlers, *auth);
  };
  listener_ = detail::HttpListener::start(ioc, address, port, limits, std::move(handler));
}

AdminServer::~AdminServer() { stop(); }

std::uint16_t AdminServer::port() const noexcept { return listener_ ? listener_->port() : 0; }

void AdminServer::stop() {
  if (listener_) listener_->close();
}

}  // namespace sprout::admin
