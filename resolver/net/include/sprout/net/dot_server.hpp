// DNS over TLS (RFC 7858): accepts within the listener's caps, then hands the connection to the
// same stream code as plain TCP after the handshake.
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "sprout/net/listener_health.hpp"

namespace sprout::net {

class Worker;

class DotAcceptor : public std::enable_shared_from_this<DotAcceptor> {
 public:
  DotAcceptor(Worker& worker, int fd, std::uint16_t listener);
  void start();
  [[nodiscard]] const core::ListenerState& state() const noexcept { return health_.state(); }

 private:
  void accepted(asio::ip::tcp::socket socket);

  Worker& worker_;
  asio::ip::tcp::acceptor acceptor_;
  ListenerHealth health_;
  std::uint16_t listener_;
};

}  // namespace sprout::net
