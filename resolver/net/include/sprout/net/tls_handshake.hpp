// What DoT and DoH share before their first byte of DNS or HTTP: admission within the
// listener's caps, the bounded server handshake, and the client ID the SNI carried.
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string_view>

#include "sprout/net/tcp_server.hpp"
#include "sprout/net/tls_context.hpp"
#include "sprout/net/worker.hpp"

namespace sprout::net {

// The certificate a new encrypted connection gets, or null when it was closed (and counted as an
// error) at the connection cap, the handshake cap, or for want of a certificate. Handshakes
// cost CPU, so they have their own, smaller cap: slowloris handshakes fill only that.
[[nodiscard]] std::shared_ptr<const TlsServerContext> admit_encrypted(Worker& worker, core::Transport t, std::size_t listener,
                                                                      asio::ip::tcp::socket& socket);
// The same caps for a plain-HTTP DoH connection (no certificate, no handshake): false when it
// was closed.
[[nodiscard]] bool admit_plain(Worker& worker, std::size_t listener, asio::ip::tcp::socket& socket);

// The server handshake, counted in `load.handshaking` while it runs and closed by `timer` at
// the listener's handshake timeout; `done(ec)` after, with the outcome counted.
// `Stream`: TlsSocket (DoT and DoH).
template <class Stream, class Done>
void tls_server_handshake(Stream& stream, asio::steady_timer& timer, const config::EncryptedListener& limits,
                          ListenerLoad& load, TransportCounters& counters, Done&& done) {
  ++load.handshaking;
  timer.expires_after(limits.handshake_timeout);
  timer.async_wait([&stream](const boost::system::error_code& ec) {
    boost::system::error_code ignored;
    if (!ec) stream.lowest_layer().close(ignored);  // the handshake then fails with it
  });
  stream.async_handshake(asio::ssl::stream_base::server,
                         [&timer, &load, &counters, done = std::forward<Done>(done)](const boost::system::error_code& ec) mutable {
                           --load.handshaking;
                           timer.cancel();
                           (ec ? counters.handshake_failures : counters.handshakes).fetch_add(1, std::memory_order_relaxed);
                           done(ec);
                         });
}

// After the handshake: the client ID the SNI named (empty: none).
[[nodiscard]] std::string_view sni_client_id(SSL* ssl, const TlsServerContext& tls);

}  // namespace sprout::net
