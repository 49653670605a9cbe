// Admission and SNI reading for the encrypted transports.
#include "sprout/net/tls_handshake.hpp"

#include "sprout/core/client_id.hpp"

namespace sprout::net {

namespace {

bool admit(Worker& worker, core::Transport t, std::size_t listener, asio::ip::tcp::socket& socket, bool have_certificate) {
  const config::EncryptedListener& limits = worker.encrypted_listener(t, listener);
  const ListenerLoad& load = worker.encrypted_load(t, listener);
  if (!have_certificate || load.open >= limits.max_connections || load.handshaking >= limits.max_handshakes) {
    boost::system::error_code ignored;
    socket.close(ignored);  // a prompt close lets the client go elsewhere
    worker.counters().transport(t).errors.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  worker.counters().transport(t).connections.fetch_add(1, std::memory_order_relaxed);
  return true;
}

}  // namespace

std::shared_ptr<const TlsServerContext> admit_encrypted(Worker& worker, core::Transport t, std::size_t listener,
                                                        asio::ip::tcp::socket& socket) {
  std::shared_ptr<const TlsServerContext> tls = worker.tls_context();
  return admit(worker, t, listener, socket, tls != nullptr) ? tls : nullptr;
}

bool admit_plain(Worker& worker, std::size_t listener, asio::ip::tcp::socket& socket) {
  return admit(worker, core::Transport::doh, listener, socket, true);
}

std::string_view sni_client_id(SSL* ssl, const TlsServerContext& tls) {
  const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  const core::ClientIdResult id = core::client_id_from_sni(sni != nullptr ? sni : "", tls.server_name);
  return id.status == core::ClientIdStatus::id ? id.id : std::string_view{};
}

}  // namespace sprout::net
