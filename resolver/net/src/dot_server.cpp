// DoT accepting: caps are checked before any TLS work is done.
#include "sprout/net/dot_server.hpp"

#include "sprout/net/tls_handshake.hpp"

namespace sprout::net {

void accept_dot(Worker& worker, std::size_t listener, asio::ip::tcp::socket socket) {
  const auto tls = admit_encrypted(worker, core::Transport::dot, listener, socket);
  if (tls == nullptr) return;
  ListenerLoad& load = worker.encrypted_load(core::Transport::dot, listener);
  TlsSocket stream(std::move(socket), tls->dot_ctx);
  auto conn = std::make_shared<TlsConnection>(
      worker, std::move(stream), StreamSettings{core::Transport::dot, static_cast<std::uint16_t>(listener), &load.open});
  conn->handshake(tls, load);
}

}  // namespace sprout::net
