// TCP serving: reads keep flowing while answers are pending, so pipelined queries overlap.
#include "sprout/net/tcp_server.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "sprout/core/log.hpp"
#include "sprout/net/listen_sockets.hpp"
#include "sprout/net/worker.hpp"
#include "sprout/core/proxy_protocol.hpp"

namespace sprout::net {
namespace {

// A client that reads slower than it asks must not make us buffer without bound.
constexpr std::size_t kMaxQueuedBytes = 1u << 20;

// Answers go back on the connection in any order (RFC 7766 allows it for pipelined queries).
class TcpReply final : public core::Responder {
 public:
  explicit TcpReply(std::shared_ptr<TcpConnection> c) : conn_(std::move(c)) {}
  void send(std::span<const std::uint8_t> bytes) override { conn_->send(bytes); }
  void drop() override { conn_->query_dropped(); }
  std::unique_ptr<core::Responder> detach() override { return std::make_unique<TcpReply>(conn_); }

 private:
  std::shared_ptr<TcpConnection> conn_;
};

}  // namespace

TcpAcceptor::TcpAcceptor(Worker& worker, int fd)
    : worker_(worker), acceptor_(worker.io()), health_(worker.io(), listener_name("tcp", fd)) {
  acceptor_.assign(is_ipv6_socket(fd) ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), fd);
}

void TcpAcceptor::start() {
  acceptor_.async_accept([self = shared_from_this()](const boost::system::error_code& ec,
                                                     asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    self->health_.woke();
    // Re-armed whatever happens (after a pause on errors): a listener must never go deaf,
    // and one that is not re-armed shows in /health.
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

void TcpAcceptor::accepted(asio::ip::tcp::socket socket) {
  if (worker_.tcp_open >= worker_.tcp_limits().max_connections) {
    boost::system::error_code ignored;
    socket.close(ignored);  // at the cap: a prompt close lets the client go elsewhere
    return;
  }
  std::make_shared<TcpConnection>(worker_, std::move(socket))->start();
}

TcpConnection::TcpConnection(Worker& worker, asio::ip::tcp::socket socket)
    : worker_(worker), socket_(std::move(socket)), idle_(worker.io()) {
  ++worker_.tcp_open;
  worker_.counters().tcp_connections.fetch_add(1, std::memory_order_relaxed);
  boost::system::error_code ec;
  const auto remote = socket_.remote_endpoint(ec);
  if (!ec) client_ = to_ip(remote.address());
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

TcpConnection::~TcpConnection() { --worker_.tcp_open; }

void TcpConnection::start() {
  arm_idle();
  if (worker_.trusted_proxy(client_)) return read_proxy_header();
  read_length();
}

void TcpConnection::read_proxy_header() {
  // A trusted front end starts every connection with a PROXY v2 header: fixed part first,
  // then the address block whose length it announces.
  body_.resize(core::kProxyFixedSize);
  asio::async_read(socket_, asio::buffer(body_), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
    if (ec) return self->close();
    const core::ProxyHeader h = core::parse_proxy_v2(self->body_);
    if (h.status == core::ProxyStatus::absent) return self->close();  // TCP from a front end must start with it
    if (h.status != core::ProxyStatus::incomplete || h.length == 0) {
      if (h.status == core::ProxyStatus::local) return self->read_length();
      return self->close();
    }
    self->body_.resize(h.length);
    asio::async_read(self->socket_, asio::buffer(self->body_.data() + core::kProxyFixedSize, h.length - core::kProxyFixedSize),
                     [self](const boost::system::error_code& ec2, std::size_t) {
                       if (ec2) return self->close();
                       const core::ProxyHeader full = core::parse_proxy_v2(self->body_);
                       if (full.status == core::ProxyStatus::ok) self->client_ = full.source;
                       else if (full.status != core::ProxyStatus::local) return self->close();
                       self->read_length();
                     });
  });
}

void TcpConnection::arm_idle() {
  idle_.expires_after(worker_.tcp_limits().idle_timeout);
  idle_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || !self->open_) return;
    if (self->inflight_ > 0 || self->writing_) return self->arm_idle();  // busy, not idle
    // Idle means no complete query and no answer for the whole timeout; slow or half-open
    // clients are closed here, and never hold up anyone else.
    self->close();
  });
}

void TcpConnection::read_length() {
  if (!open_ || reading_ || inflight_ >= worker_.tcp_limits().max_inflight_per_connection) return;
  reading_ = true;
  asio::async_read(socket_, asio::buffer(length_), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
    self->reading_ = false;
    if (ec) return self->close();
    const std::size_t length = dns::get16(self->length_.data());
    if (length < dns::kHeaderSize) return self->close();  // nothing answerable can follow
    self->read_body(length);
  });
}

void TcpConnection::read_body(std::size_t length) {
  reading_ = true;
  body_.resize(length);
  asio::async_read(socket_, asio::buffer(body_), [self = shared_from_this(), length](const boost::system::error_code& ec, std::size_t) {
    self->reading_ = false;
    if (ec) return self->close();
    self->on_message(length);
    self->read_length();
  });
}

void TcpConnection::on_message(std::size_t length) {
  arm_idle();
  ++inflight_;
  TcpReply reply(shared_from_this());
  worker_.driver().run(std::span(body_.data(), length), client_, core::Transport::tcp, reply);
}

void TcpConnection::send(std::span<const std::uint8_t> bytes) {
  if (open_) {
    std::vector<std::uint8_t> frame(bytes.size() + 2);
    dns::put16(frame.data(), static_cast<std::uint16_t>(bytes.size()));
    std::copy(bytes.begin(), bytes.end(), frame.begin() + 2);
    out_bytes_ += frame.size();
    out_.push_back(std::move(frame));
    if (out_bytes_ > kMaxQueuedBytes) return close();
    write_next();
  }
  query_finished();
}

void TcpConnection::query_dropped() { query_finished(); }

void TcpConnection::query_finished() {
  --inflight_;
  read_length();  // resumes reading if the in-flight cap had paused it
}

void TcpConnection::write_next() {
  if (writing_ || out_.empty() || !open_) return;
  writing_ = true;
  asio::async_write(socket_, asio::buffer(out_.front()), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
    self->writing_ = false;
    if (ec) return self->close();
    self->out_bytes_ -= self->out_.front().size();
    self->out_.pop_front();
    self->arm_idle();
    self->write_next();
  });
}

void TcpConnection::close() {
  if (!open_) return;
  open_ = false;
  boost::system::error_code ec;
  idle_.cancel();
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);  // queued frames stay alive until the aborted write handler has run
}

}  // namespace sprout::net
