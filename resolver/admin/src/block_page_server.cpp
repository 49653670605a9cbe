// Serves the block page for any host, path and method over plain HTTP.
#include "sprout/admin/block_page.hpp"

#include "http_listener.hpp"

namespace sprout::admin {
namespace {

using detail::Request;
using detail::Response;
namespace http = detail::http;

// The page may use its own inline styles and nothing else: no scripts, no fetches, no frames.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'; "
    "frame-ancestors 'none'; base-uri 'none'";

std::string client_text(const detail::tcp::endpoint& remote) {
  auto address = remote.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
  }
  return address.to_string();
}

Response serve(const Request& req, const detail::tcp::endpoint& remote, const BlockLookup& lookup) {
  const auto host_field = req.find(http::field::host);
  const std::string_view host = host_field == req.end() ? std::string_view{} : detail::to_std(host_field->value());
  BlockInfo info;
  try {
    if (lookup) info = lookup(display_host(host), client_text(remote));
  } catch (...) {
    info = {};  // a page without details beats an error page for a child
  }
  // 403, not 200: the page is a refusal, not the site. With 200, caches, link previews and
  // OS captive-portal probes (which compare a known URL's 200/204 body) would take it for real
  // content or for a login portal and pop up a "sign in to network" window. Browsers render
  // a 403 body just the same.
  auto res = detail::make_response(http::status::forbidden, req.version(), "text/html; charset=utf-8",
                                   render_block_page(host, info));
  res.set("Content-Security-Policy", detail::to_beast(kContentSecurityPolicy));
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Frame-Options", "DENY");
  return res;
}

}  // namespace

BlockPageServer::BlockPageServer(boost::asio::io_context& ioc, BlockPageOptions options, BlockLookup lookup) {
  detail::ListenerLimits limits;
  limits.max_header_bytes = options.max_header_bytes;
  limits.max_body_bytes = 4 * 1024;  // a form post still gets the page; big bodies are refused
  limits.read_timeout = options.read_timeout;
  limits.write_timeout = options.write_timeout;
  limits.max_connections = options.max_connections;
  auto handler = [lookup = std::move(lookup)](const Request& req, const detail::tcp::endpoint& remote) {
    return serve(req, remote, lookup);
  };
  listener_ = detail::HttpListener::start(ioc, options.address, options.port, limits, std::move(handler));
}

BlockPageServer::~BlockPageServer() { stop(); }

std::uint16_t BlockPageServer::port() const noexcept { return listener_ ? listener_->port() : 0; }

void BlockPageServer::stop() {
  if (listener_) listener_->close();
}

}  // namespace sprout::admin
