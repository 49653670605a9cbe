// Stream serving (TCP and DoT): reads keep flowing while answers are pending, so pipelined
// queries overlap.
#include "sprout/net/tcp_server.hpp"

#include <algorithm>
#include <boost/asio/read.hpp>
#include <cstring>
#include <boost/asio/write.hpp>

#include "sprout/core/log.hpp"
#include "sprout/core/proxy_protocol.hpp"
#include "sprout/net/listen_sockets.hpp"
#include "sprout/net/tls_context.hpp"
#include "sprout/net/tls_handshake.hpp"
#include "sprout/net/worker.hpp"

namespace sprout::net {
namespace {

// A client that reads slower than it asks must not make us buffer without bound.
constexpr std::size_t kMaxQueuedBytes = 1u << 20;
constexpr std::size_t kReadChunk = 4096;  // many pipelined queries; grown for one larger message

template <class Stream>
constexpr bool kTls = std::is_same_v<Stream, TlsSocket>;

// Answers go back on the connection in any order (RFC 7766 allows it for pipelined queries).
template <class Stream>
class StreamReply final : public core::Responder {
 public:
  explicit StreamReply(std::shared_ptr<StreamConnection<Stream>> c) : conn_(std::move(c)) {}
  void send(std::span<const std::uint8_t> bytes) override { conn_->send(bytes); }
  void drop() override { conn_->query_dropped(); }
  std::unique_ptr<core::Responder> detach() override { return std::make_unique<StreamReply>(conn_); }

 private:
  std::shared_ptr<StreamConnection<Stream>> conn_;
};

}  // namespace

StreamAcceptor::StreamAcceptor(Worker& worker, int fd, std::string_view kind, OnAccept on_accept)
    : acceptor_(worker.io()), health_(worker.io(), listener_name(kind, fd)), on_accept_(std::move(on_accept)) {
  acceptor_.assign(is_ipv6_socket(fd) ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), fd);
}

void StreamAcceptor::start() {
  acceptor_.async_accept([self = shared_from_this()](const boost::system::error_code& ec,
                                                     asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    self->health_.woke();
    // Re-armed whatever happens (after a pause on errors): a listener must never go deaf,
    // and one that is not re-armed shows in /health.
    if (ec) return self->health_.failed(ec.value(), "accept: " + ec.message(), [self] { self->start(); });
    self->health_.succeeded();
    try {
      self->on_accept_(std::move(socket));
    } catch (const std::exception& e) {
      return self->health_.failed(0, e.what(), [self] { self->start(); });
    }
    self->start();
  });
  health_.armed();
}

void accept_tcp(Worker& worker, asio::ip::tcp::socket socket) {
  if (worker.tcp_open >= worker.tcp_limits().max_connections) {
    boost::system::error_code ignored;
    socket.close(ignored);  // at the cap: a prompt close lets the client go elsewhere
    return;
  }
  worker.counters().tcp_connections.fetch_add(1, std::memory_order_relaxed);
  std::make_shared<TcpConnection>(worker, std::move(socket), StreamSettings{core::Transport::tcp, 0, &worker.tcp_open})
      ->start();
}

template <class Stream>
StreamConnection<Stream>::StreamConnection(Worker& worker, Stream stream, StreamSettings settings)
    : worker_(worker), socket_(std::move(stream)), settings_(settings), idle_(worker.io()) {
  ++*settings_.open;
  boost::system::error_code ec;
  auto& raw = socket_.lowest_layer();
  const auto remote = raw.remote_endpoint(ec);
  if (!ec) client_ = to_ip(remote.address());
  raw.set_option(asio::ip::tcp::no_delay(true), ec);
}

template <class Stream>
StreamConnection<Stream>::~StreamConnection() { --*settings_.open; }

template <class Stream>
std::chrono::milliseconds StreamConnection<Stream>::idle_timeout() {
  if (settings_.transport == core::Transport::tcp) return worker_.tcp_limits().idle_timeout;
  return worker_.encrypted_listener(settings_.transport, settings_.listener).idle_timeout;
}

template <class Stream>
void StreamConnection<Stream>::start() {
  touch();
  arm_idle();
  if (settings_.transport == core::Transport::tcp && worker_.trusted_proxy(client_)) return read_proxy_header();
  read_messages();
}

template <class Stream>
void StreamConnection<Stream>::handshake(std::shared_ptr<const TlsServerContext> tls, ListenerLoad& load) {
  if constexpr (kTls<Stream>) {
    tls_ = std::move(tls);
    tls_server_handshake(socket_, idle_, worker_.encrypted_listener(settings_.transport, settings_.listener), load,
                         worker_.counters().transport(settings_.transport),
                         [self = this->shared_from_this()](const boost::system::error_code& ec) { self->handshake_done(ec); });
  }
}

template <class Stream>
void StreamConnection<Stream>::handshake_done(const boost::system::error_code& ec) {
  if constexpr (kTls<Stream>) {
    // A wrong SNI ends in `ec` too: the server-name callback refused it with a fatal alert.
    if (ec || !open_) return close();
    client_id_.assign(sni_client_id(socket_.native_handle(), *tls_));
    start();
  }
}

template <class Stream>
void StreamConnection<Stream>::read_proxy_header() {
  // A trusted front end starts every connection with a PROXY v2 header: fixed part first,
  // then the address block whose length it announces.
  body_.resize(core::kProxyFixedSize);
  asio::async_read(socket_, asio::buffer(body_), [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
    if (ec) return self->close();
    const core::ProxyHeader h = core::parse_proxy_v2(self->body_);
    if (h.status == core::ProxyStatus::absent) return self->close();  // TCP from a front end must start with it
    if (h.status != core::ProxyStatus::incomplete || h.length == 0) {
      if (h.status == core::ProxyStatus::local) return self->read_messages();
      return self->close();
    }
    self->body_.resize(h.length);
    asio::async_read(self->socket_, asio::buffer(self->body_.data() + core::kProxyFixedSize, h.length - core::kProxyFixedSize),
                     [self](const boost::system::error_code& ec2, std::size_t) {
                       if (ec2) return self->close();
                       const core::ProxyHeader full = core::parse_proxy_v2(self->body_);
                       if (full.status == core::ProxyStatus::ok) self->client_ = full.source;
                       else if (full.status != core::ProxyStatus::local) return self->close();
                       self->read_messages();
                     });
  });
}

template <class Stream>
void StreamConnection<Stream>::arm_idle() {
  idle_.expires_at(last_active_ + idle_timeout());
  idle_.async_wait([self = this->shared_from_this()](const boost::system::error_code& ec) {
    if (ec || !self->open_) return;
    if (self->inflight_ > 0 || self->writing_) self->touch();  // busy, not idle
    if (std::chrono::steady_clock::now() < self->last_active_ + self->idle_timeout()) return self->arm_idle();
    // Idle means no complete query and no answer for the whole timeout; slow or half-open
    // clients are closed here, and never hold up anyone else.
    self->close();
  });
}

template <class Stream>
void StreamConnection<Stream>::read_messages() {
  if (!open_ || reading_ || processing_) return;
  const int cap = worker_.tcp_limits().max_inflight_per_connection;
  std::size_t used = 0;
  processing_ = true;
  while (open_ && inflight_ < cap && in_have_ - used >= 2) {
    const std::size_t length = dns::get16(in_.data() + used);
    if (length < dns::kHeaderSize) {
      worker_.counters().transport(settings_.transport).errors.fetch_add(1, std::memory_order_relaxed);
      processing_ = false;
      return close();  // nothing answerable can follow
    }
    if (in_have_ - used - 2 < length) break;
    used += 2 + length;
    on_message({in_.data() + used - length, length});  // the driver copies what goes upstream
  }
  processing_ = false;
  write_next();  // the answers the queries just run gave, in one write
  // (memmove of nothing still needs a buffer: in_ may not have one yet, or after a close)
  if (in_have_ > used && used > 0) std::memmove(in_.data(), in_.data() + used, in_have_ - used);
  in_have_ -= used;
  if (!open_ || inflight_ >= cap) return;  // query_finished() resumes at the cap
  // Room for at least the rest of the message begun, and a few small ones.
  const std::size_t begun = in_have_ >= 2 ? 2 + dns::get16(in_.data()) : 2;
  in_.resize(std::max({in_.size(), in_have_ + kReadChunk, begun}));
  reading_ = true;
  socket_.async_read_some(asio::buffer(in_.data() + in_have_, in_.size() - in_have_),
                          [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                            self->reading_ = false;
                            if (ec) return self->close();
                            self->in_have_ += n;
                            self->read_messages();
                          });
}

template <class Stream>
void StreamConnection<Stream>::on_message(std::span<const std::uint8_t> message) {
  touch();
  ++inflight_;
  worker_.counters().transport(settings_.transport).queries.fetch_add(1, std::memory_order_relaxed);
  StreamReply<Stream> reply(this->shared_from_this());
  worker_.driver().run(message, client_, settings_.transport, reply,
                       core::EncryptedOrigin{settings_.listener, client_id_});
}

template <class Stream>
void StreamConnection<Stream>::send(std::span<const std::uint8_t> bytes) {
  if (open_) {
    const std::size_t at = queued_.size();
    queued_.resize(at + 2 + bytes.size());
    dns::put16(queued_.data() + at, static_cast<std::uint16_t>(bytes.size()));
    std::copy(bytes.begin(), bytes.end(), queued_.begin() + static_cast<std::ptrdiff_t>(at + 2));
    if (queued_.size() + in_write_.size() > kMaxQueuedBytes) {
      worker_.counters().transport(settings_.transport).errors.fetch_add(1, std::memory_order_relaxed);
      return close();
    }
    if (!processing_) write_next();  // inside read_messages() it writes once, after the last query
  }
  query_finished();
}

template <class Stream>
void StreamConnection<Stream>::query_dropped() { query_finished(); }

template <class Stream>
void StreamConnection<Stream>::query_finished() {
  --inflight_;
  read_messages();  // resumes reading if the in-flight cap had paused it
}

template <class Stream>
void StreamConnection<Stream>::write_next() {
  if (writing_ || queued_.empty() || !open_) return;
  writing_ = true;
  std::swap(queued_, in_write_);  // queued_ is now the empty one (its capacity kept)
  asio::async_write(socket_, asio::buffer(in_write_), [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
    self->writing_ = false;
    if (ec) return self->close();
    self->in_write_.clear();
    self->touch();
    self->write_next();
  });
}

template <class Stream>
void StreamConnection<Stream>::close() {
  if (!open_) return;
  open_ = false;
  boost::system::error_code ec;
  idle_.cancel();
  auto& raw = socket_.lowest_layer();
  raw.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  raw.close(ec);  // queued frames stay alive until the aborted write handler has run
}

template class StreamConnection<asio::ip::tcp::socket>;
template class StreamConnection<TlsSocket>;

}  // namespace sprout::net
