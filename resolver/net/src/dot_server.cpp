// DoT accepting: connection and handshake caps are checked before any TLS work is done.
#include "sprout/net/dot_server.hpp"

#include "sprout/net/listen_sockets.hpp"
#include "sprout/net/tcp_server.hpp"
#include "sprout/net/tls_context.hpp"
#include "sprout/net/worker.hpp"

namespace sprout::net {

DotAcceptor::DotAcceptor(Worker& worker, int fd, std::uint16_t listener)
    : worker_(worker), acceptor_(worker.io()), health_(worker.io(), listener_name("dot", fd)), listener_(listener) {
  acceptor_.assign(is_ipv6_socket(fd) ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), fd);
}

void DotAcceptor::start() {
  acceptor_.async_accept([self = shared_from_this()](const boost::system::error_code& ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    self->health_.woke();
    // As for TCP: re-armed whatever happens, so the listener never goes deaf.
    if (ec) return self->health_.failed(ec.value(), "accept: " + ec.message(), [self] { self->start(); });
    self->health_.succeeded();
    try {
      self->accepted(std::move(socket));
    } catch (const std::exception& e) {
      return self->health_.failed(0, e.what(), [self] { self->start(); });
    }
    self->start();
  });
  health_.armed();
}

void DotAcceptor::accepted(asio::ip::tcp::socket socket) {
  const config::EncryptedListener& limits = worker_.dot_listener(listener_);
  ListenerLoad& load = worker_.dot_load(listener_);
  const std::shared_ptr<const TlsServerContext> tls = worker_.tls_context();
  // At a cap, or with no certificate: a prompt close lets the client go elsewhere. Handshakes
  // cost CPU, so they have their own, smaller cap (slowloris handshakes fill only that).
  if (tls == nullptr || load.open >= limits.max_connections || load.handshaking >= limits.max_handshakes) {
    boost::system::error_code ignored;
    socket.close(ignored);
    worker_.counters().transport(core::Transport::dot).errors.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  worker_.counters().transport(core::Transport::dot).connections.fetch_add(1, std::memory_order_relaxed);
  TlsStream stream(std::move(socket), tls->ctx);
  auto conn = std::make_shared<TlsConnection>(worker_, std::move(stream),
                                              StreamSettings{core::Transport::dot, listener_, &load.open});
  conn->handshake(tls, limits.handshake_timeout, &load.handshaking);
}

}  // namespace sprout::net
