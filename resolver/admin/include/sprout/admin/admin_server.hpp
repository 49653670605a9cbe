// The admin HTTP endpoint (/metrics, /health, /api/*) on the control thread's io_context; token-guarded.
#pragma once

#include <utility>  // before any Asio header: Boost 1.74 bug

#include <cstdint>
#include <memory>

#include <boost/asio/io_context.hpp>

#include "sprout/admin/admin_api.hpp"

namespace sprout::admin {

namespace detail {
class HttpListener;
}

class AdminServer {
 public:
  // Binds at once (throws boost::system::system_error if it cannot) and accepts on ioc.
  AdminServer(boost::asio::io_context& ioc, AdminOptions options, Handlers handlers);
  ~AdminServer();  // stops; destroy before the io_context
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept;
  // Stops accepting and closes open connections; safe from any thread.
  void stop();

 private:
  std::shared_ptr<detail::HttpListener> listener_;
};

}  // namespace sprout::admin
