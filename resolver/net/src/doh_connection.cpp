// DoH connections: admission, the handshake, and what HTTP/1.1 and HTTP/2 share (dispatching a
// request to the driver, its answer or its refusal).
#include "doh_connection.hpp"

#include "sprout/net/doh_server.hpp"
#include "sprout/net/tls_handshake.hpp"

namespace sprout::net {
namespace {

constexpr std::string_view kTextType = "text/plain; charset=utf-8";

// One request's answer; an HTTP/2 connection has many in flight, answered in any order.
class DohReply final : public core::Responder {
 public:
  DohReply(std::shared_ptr<DohConnection> c, std::int32_t stream) : conn_(std::move(c)), stream_(stream) {}
  void send(std::span<const std::uint8_t> bytes) override { conn_->answered(stream_, bytes); }
  void drop() override { conn_->dropped(stream_); }
  std::unique_ptr<core::Responder> detach() override { return std::make_unique<DohReply>(conn_, stream_); }

 private:
  std::shared_ptr<DohConnection> conn_;
  std::int32_t stream_;
};

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// The stream HTTP runs on: TLS, or the socket itself behind a proxy that terminated TLS.
std::variant<asio::ip::tcp::socket, TlsSocket> stream_for(asio::ip::tcp::socket socket, const TlsServerContext* tls) {
  if (tls == nullptr) return std::variant<asio::ip::tcp::socket, TlsSocket>(std::in_place_type<asio::ip::tcp::socket>, std::move(socket));
  return std::variant<asio::ip::tcp::socket, TlsSocket>(std::in_place_type<TlsSocket>, std::move(socket), tls->doh_ctx);
}

}  // namespace

void accept_doh(Worker& worker, std::size_t listener, asio::ip::tcp::socket socket) {
  if (worker.encrypted_listener(core::Transport::doh, listener).plain_http) {
    if (!admit_plain(worker, listener, socket)) return;
    return std::make_shared<DohConnection>(worker, std::move(socket), listener, nullptr)->start();
  }
  auto tls = admit_encrypted(worker, core::Transport::doh, listener, socket);
  if (tls == nullptr) return;
  std::make_shared<DohConnection>(worker, std::move(socket), listener, std::move(tls))->start();
}

DohConnection::DohConnection(Worker& worker, asio::ip::tcp::socket tcp, std::size_t listener,
                             std::shared_ptr<const TlsServerContext> tls)
    : worker_(worker), stream_(stream_for(std::move(tcp), tls.get())), listener_(listener),
      load_(worker.encrypted_load(core::Transport::doh, listener)), tls_(std::move(tls)), timer_(worker.io()) {
  ++load_.open;
  boost::system::error_code ec;
  const auto remote = socket().remote_endpoint(ec);
  if (!ec) peer_ = client_ = to_ip(remote.address());
  socket().set_option(asio::ip::tcp::no_delay(true), ec);
}

DohConnection::~DohConnection() {
  --load_.open;
  if (h2_ != nullptr) nghttp2_session_del(h2_);
}

void DohConnection::start() {
  if (plain()) return plain_sniff();  // behind a proxy that terminated TLS: no ALPN, the first bytes tell
  tls_server_handshake(std::get<TlsSocket>(stream_), timer_, worker_.encrypted_listener(core::Transport::doh, listener_), load_,
                       worker_.counters().transport(core::Transport::doh),
                       [self = shared_from_this()](const boost::system::error_code& ec) { self->handshake_done(ec); });
}

void DohConnection::handshake_done(const boost::system::error_code& ec) {
  if (ec || !open_) return close();
  SSL* ssl = std::get<TlsSocket>(stream_).native_handle();
  sni_id_.assign(sni_client_id(ssl, *tls_));
  const unsigned char* alpn = nullptr;
  unsigned int alpn_size = 0;
  SSL_get0_alpn_selected(ssl, &alpn, &alpn_size);
  if (std::string_view(reinterpret_cast<const char*>(alpn), alpn_size) == "h2") return h2_start();
  h1_read();  // http/1.1, or a client that offered no ALPN at all
}

asio::ip::tcp::socket& DohConnection::socket() {
  if (TlsSocket* tls = std::get_if<TlsSocket>(&stream_)) return tls->lowest_layer();
  return std::get<asio::ip::tcp::socket>(stream_);
}

asio::mutable_buffer DohConnection::input() {
  constexpr std::size_t kReadSize = 16384;  // one TLS record's plaintext
  in_.resize(kReadSize);
  return asio::buffer(in_);
}

void DohConnection::arm_idle() {
  timer_.expires_after(worker_.encrypted_listener(core::Transport::doh, listener_).idle_timeout);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || !self->open_) return;
    if (self->inflight_ > 0 || self->writing_) return self->arm_idle();  // busy, not idle
    self->close();  // a silent or slowloris client holds only its own connection, and not for long
  });
}

void DohConnection::dispatch(std::int32_t stream, const core::DohRequest& request) {
  // Only while the driver runs: it copies a query that goes upstream.
  thread_local std::array<std::uint8_t, core::kMaxDohMessage> scratch;
  TransportCounters& counters = worker_.counters().transport(core::Transport::doh);
  const core::DohParse p = core::parse_doh_request(request, scratch);
  if (p.status != 200) {
    counters.errors.fetch_add(1, std::memory_order_relaxed);
    return refuse(stream, p.status, p.reason);
  }
  counters.queries.fetch_add(1, std::memory_order_relaxed);
  // The path's ID first (browsers), else the SNI's (a client that set its DoT name here too).
  const std::string_view id = p.id.status == core::ClientIdStatus::id ? p.id.id : std::string_view(sni_id_);
  ++inflight_;
  DohReply reply(shared_from_this(), stream);
  worker_.driver().run(p.message, client_, core::Transport::doh, reply,
                       core::EncryptedOrigin{static_cast<std::uint16_t>(listener_), id, plain()});
}

void DohConnection::answered(std::int32_t stream, std::span<const std::uint8_t> dns) {
  --inflight_;
  respond(stream, 200, dns, core::kDnsMessageType, core::doh_max_age(dns));
}

void DohConnection::dropped(std::int32_t stream) {
  --inflight_;
  refuse(stream, 400, "not a DNS query Sprout answers");
}

void DohConnection::refuse(std::int32_t stream, int status, std::string_view reason) {
  const std::string text = std::string(reason) + "\n";
  respond(stream, status, bytes_of(text), kTextType, std::nullopt);
}

void DohConnection::respond(std::int32_t stream, int status, std::span<const std::uint8_t> body, std::string_view type,
                            std::optional<std::uint32_t> max_age) {
  if (!open_) return;
  if (h2_ != nullptr) return h2_respond(stream, status, body, type, max_age);
  h1_respond(status, body, type, max_age);
}

// Closing with bytes unread makes the kernel send a reset, which can destroy our answer in the
// client's receive buffer and fails a client still sending (an oversize body after its 413).
// So: end our side, read and drop what still comes, and close at EOF or after kLinger.
void DohConnection::linger() {
  constexpr auto kLinger = std::chrono::seconds(2);
  boost::system::error_code ec;
  socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (ec) return close();
  timer_.expires_after(kLinger);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& e) {
    if (!e) self->close();
  });
  drain();
}

void DohConnection::drain() {
  // Raw TCP bytes: nothing more of this connection is read as TLS or HTTP.
  socket().async_read_some(input(), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
    if (ec || !self->open_) return self->close();
    self->drain();
  });
}

void DohConnection::close() {
  if (!open_) return;
  open_ = false;
  timer_.cancel();
  boost::system::error_code ec;
  socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket().close(ec);
}

}  // namespace sprout::net
