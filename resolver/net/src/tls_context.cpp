// TLS server contexts: OpenSSL's errors become one readable line naming the file.
#include "sprout/net/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdexcept>

#include "sprout/core/client_id.hpp"

namespace sprout::net {
namespace {

constexpr unsigned char kSessionContext[] = "sprout";

// SNI is read before the certificate goes out: a name not ours ends the handshake with
// unrecognized_name, so a client with a typo in its Private DNS name learns it at once.
int check_server_name(SSL* ssl, int* alert, void* arg) {
  const auto* self = static_cast<const TlsServerContext*>(arg);
  const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (sni == nullptr) return SSL_TLSEXT_ERR_OK;
  if (core::client_id_from_sni(sni, self->server_name).status != core::ClientIdStatus::wrong_name) return SSL_TLSEXT_ERR_OK;
  *alert = SSL_AD_UNRECOGNIZED_NAME;
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

std::string openssl_error() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  return text;
}

void check(int ok, const std::string& what) {
  if (ok != 1) throw std::runtime_error(what + ": " + openssl_error());
}

// HTTP/2 when the client offers it (RFC 8484 recommends it), else HTTP/1.1.
int select_http(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen, void*) {
  static const unsigned char kOurs[] = "\x02h2\x08http/1.1";
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, outlen, kOurs, sizeof kOurs - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;  // RFC 7301: no protocol in common
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

// Both contexts: same certificate, versions, tickets and SNI check.
void configure(SSL_CTX* c, const config::Tls& tls, const TlsServerContext* self) {
  check(SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION), "TLS versions");
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  check(SSL_CTX_use_certificate_chain_file(c, tls.certificate.c_str()), "tls.certificate " + tls.certificate);
  check(SSL_CTX_use_PrivateKey_file(c, tls.key.c_str(), SSL_FILETYPE_PEM), "tls.key " + tls.key);
  check(SSL_CTX_check_private_key(c), "tls.key " + tls.key + " does not match tls.certificate " + tls.certificate);
  // Resumption (RFC 5077 tickets, TLS 1.3 PSK): a phone reconnecting skips the full handshake.
  SSL_CTX_clear_options(c, SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER);
  check(SSL_CTX_set_session_id_context(c, kSessionContext, sizeof kSessionContext - 1), "session context");
  SSL_CTX_set_tlsext_servername_callback(c, check_server_name);
  SSL_CTX_set_tlsext_servername_arg(c, const_cast<TlsServerContext*>(self));
}

}  // namespace

TlsServerContext::TlsServerContext(const config::Tls& tls) : server_name(tls.server_name), source(tls) {
  ERR_clear_error();
  configure(dot_ctx.native_handle(), tls, this);
  configure(doh_ctx.native_handle(), tls, this);
  SSL_CTX_set_alpn_select_cb(doh_ctx.native_handle(), select_http, nullptr);
}

std::string TlsContextStore::load(const config::Tls& tls) {
  try {
    current_.store(std::make_shared<const TlsServerContext>(tls), std::memory_order_release);
    return {};
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace sprout::net
