// The server certificate of DoT and DoH: built from PEM files, swapped whole on reload.
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <boost/asio/ssl/context.hpp>
#include <atomic>
#include <memory>
#include <string>

#include "sprout/config/config.hpp"

namespace sprout::net {

namespace asio = boost::asio;

// One certificate and key, TLS 1.2 and 1.3, session tickets on, and the SNI check: a name that
// is neither tls.server_name nor one label under it is refused in the handshake. DoH's context
// also selects the HTTP version by ALPN (h2, else http/1.1).
struct TlsServerContext {
  explicit TlsServerContext(const config::Tls& tls);  // throws std::runtime_error saying what is wrong
  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;

  std::string server_name;
  config::Tls source;  // the paths it was built from
  // Mutable: asio::ssl::stream takes them by non-const reference, though a stream only reads them.
  mutable asio::ssl::context dot_ctx{asio::ssl::context::tls_server};
  mutable asio::ssl::context doh_ctx{asio::ssl::context::tls_server};
};

// Shared by every worker: a connection takes the current context when it is accepted and
// keeps it, so a reload never changes a handshake halfway.
class TlsContextStore {
 public:
  // Builds a context from `tls`; on failure keeps the current one and returns why (empty: ok).
  std::string load(const config::Tls& tls);
  [[nodiscard]] std::shared_ptr<const TlsServerContext> current() const { return current_.load(std::memory_order_acquire); }

 private:
  std::atomic<std::shared_ptr<const TlsServerContext>> current_;
};

}  // namespace sprout::net
