// Internal: a small hardened Beast HTTP/1.1 listener (limits, timeouts, connection cap) behind both servers.
#pragma once

#include <utility>  // before any Asio header: Boost 1.74 bug

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http.hpp>

#include "http_message.hpp"

namespace sprout::admin::detail {

using tcp = boost::asio::ip::tcp;

struct ListenerLimits {
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
  std::chrono::milliseconds read_timeout{10'000};   // whole request, first byte to last
  std::chrono::milliseconds write_timeout{10'000};
  std::size_t max_connections = 64;
  std::size_t max_requests_per_connection = 100;
};

// Called on the listener's io_context; must not block for long (it shares the control thread).
using RequestHandler = std::function<Response(const Request&, const tcp::endpoint& remote)>;

class Session;

class HttpListener : public std::enable_shared_from_this<HttpListener> {
 public:
  // Binds and starts accepting. Throws boost::system::system_error when the address can't be bound.
  static std::shared_ptr<HttpListener> start(boost::asio::io_context& ioc, const std::string& address,
                                             std::uint16_t port, ListenerLimits limits, RequestHandler handler);
  HttpListener(boost::asio::io_context& ioc, ListenerLimits limits, RequestHandler handler);

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] std::size_t open_connections() const noexcept { return open_.load(); }
  [[nodiscard]] const ListenerLimits& limits() const noexcept { return limits_; }
  [[nodiscard]] const RequestHandler& handler() const noexcept { return handler_; }
  // Stops accepting and closes every open connection (asynchronously, on the io_context).
  void close();

 private:
  friend class Session;
  void accept();
  void on_accept(boost::system::error_code ec, tcp::socket socket);

  boost::asio::io_context& ioc_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;  // backs off after accept errors (EMFILE) instead of spinning
  ListenerLimits limits_;
  RequestHandler handler_;
  std::uint16_t port_ = 0;
  std::atomic<std::size_t> open_{0};
  std::vector<std::weak_ptr<Session>> sessions_;  // touched only on strand_
  bool closed_ = false;
};

}  // namespace sprout::admin::detail
