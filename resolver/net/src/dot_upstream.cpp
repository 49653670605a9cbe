// DoT upstream I/O: queries are framed (RFC 7766), given IDs unique on the connection, written
// back to back and answered in any order; a lost connection fails its queries over at once.
#include "sprout/net/dot_upstream.hpp"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <random>

#include "sprout/core/log.hpp"
#include "sprout/dns/wire.hpp"

namespace sprout::net {
namespace {

constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{10000};

asio::ip::tcp::endpoint endpoint_of(const config::Upstream& u) {
  const auto& b = u.address.bytes;
  if (u.address.v4) return {asio::ip::address_v4({b[12], b[13], b[14], b[15]}), u.port};
  asio::ip::address_v6::bytes_type v6;
  std::copy(b.begin(), b.end(), v6.begin());
  return {asio::ip::address_v6(v6), u.port};
}

}  // namespace

struct DotUpstream::Link {
  Link(asio::io_context& io, asio::ssl::context& ctx) : stream(io, ctx) {}
  asio::ssl::stream<asio::ip::tcp::socket> stream;
  DotUpstream* owner = nullptr;
  std::array<std::uint8_t, 2> length{};
  std::vector<std::uint8_t> body;
  bool writing = false;
};

DotUpstream::DotUpstream(asio::io_context& io, const config::Upstream& upstream)
    : io_(io), upstream_(upstream), next_id_(static_cast<std::uint16_t>(std::random_device{}())), timer_(io) {
  SSL_CTX* c = ctx_.native_handle();
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  ctx_.set_verify_mode(asio::ssl::verify_peer);
  boost::system::error_code ec;
  if (upstream_.tls->ca_file.empty()) ctx_.set_default_verify_paths(ec);
  else ctx_.load_verify_file(upstream_.tls->ca_file, ec);
  if (ec) {
    setup_error_ = "cannot load " + (upstream_.tls->ca_file.empty() ? std::string("the system trust store") : upstream_.tls->ca_file) +
                   ": " + ec.message();
    core::log::error("upstream ", upstream_.address.to_string(), ":", upstream_.port, " (dot): ", setup_error_);
  }
}

DotUpstream::~DotUpstream() {
  alive_.reset();
  if (link_) {
    link_->owner = nullptr;
    boost::system::error_code ignored;
    link_->stream.lowest_layer().close(ignored);
  }
  timer_.cancel();
  auto pending = std::move(pending_);
  for (auto& [id, p] : pending) p.callback(ARES_EDESTRUCTION, {});
}

void DotUpstream::send(std::span<const std::uint8_t> query, AresCallback callback) {
  if (!setup_error_.empty() || query.size() < dns::kHeaderSize || pending_.size() >= 0xffff ||
      (!link_ && Clock::now() < retry_at_)) {
    return callback(ARES_ECONNREFUSED, {});  // failing at once lets the Forwarder try the next upstream
  }
  while (pending_.count(next_id_) != 0) ++next_id_;
  const std::uint16_t id = next_id_++;
  std::vector<std::uint8_t> frame(query.size() + 2);
  dns::put16(frame.data(), static_cast<std::uint16_t>(query.size()));
  std::copy(query.begin(), query.end(), frame.begin() + 2);
  dns::put16(frame.data() + 2, id);  // the driver matches answers by question and restores the client's ID
  const auto timeout = upstream_.timeout * upstream_.tries;
  pending_.emplace(id, Pending{std::move(callback), Clock::now() + timeout});
  to_write_.push_back(std::move(frame));
  arm_timer();
  if (!link_) return connect();
  write_next();
}

void DotUpstream::connect() {
  link_ = std::make_shared<Link>(io_, ctx_);
  link_->owner = this;
  SSL* ssl = link_->stream.native_handle();
  // SNI and the name the certificate must carry: the configured server_name, never the address.
  SSL_set_tlsext_host_name(ssl, upstream_.tls->server_name.c_str());
  SSL_set1_host(ssl, upstream_.tls->server_name.c_str());
  link_->stream.lowest_layer().async_connect(endpoint_of(upstream_), [link = link_](const boost::system::error_code& ec) {
    if (link->owner == nullptr) return;
    if (ec) return link->owner->connected(link, ec);
    link->stream.lowest_layer().set_option(asio::ip::tcp::no_delay(true));
    link->stream.async_handshake(asio::ssl::stream_base::client, [link](const boost::system::error_code& ec2) {
      if (link->owner != nullptr) link->owner->connected(link, ec2);
    });
  });
}

void DotUpstream::connected(const std::shared_ptr<Link>& link, const boost::system::error_code& ec) {
  if (link != link_) return;
  if (ec) return lost("connect: " + ec.message());
  ready_ = true;
  backoff_ = std::chrono::milliseconds{0};
  write_next();
  read_next();
}

void DotUpstream::write_next() {
  if (!ready_ || link_->writing || to_write_.empty()) return;
  link_->writing = true;
  asio::async_write(link_->stream, asio::buffer(to_write_.front()), [link = link_](const boost::system::error_code& ec, std::size_t) {
    link->writing = false;
    DotUpstream* self = link->owner;
    if (self == nullptr || link != self->link_) return;
    if (ec) return self->lost("write: " + ec.message());
    self->to_write_.pop_front();
    self->write_next();
  });
}

void DotUpstream::read_next() {
  asio::async_read(link_->stream, asio::buffer(link_->length), [link = link_](const boost::system::error_code& ec, std::size_t) {
    DotUpstream* self = link->owner;
    if (self == nullptr || link != self->link_) return;
    if (ec) return self->lost(ec == asio::error::eof ? "closed by the upstream" : "read: " + ec.message());
    link->body.resize(dns::get16(link->length.data()));
    asio::async_read(link->stream, asio::buffer(link->body), [link](const boost::system::error_code& ec2, std::size_t) {
      DotUpstream* owner = link->owner;
      if (owner == nullptr || link != owner->link_) return;
      if (ec2) return owner->lost("read: " + ec2.message());
      owner->answered(link->body);
      if (owner->link_ == link) owner->read_next();
    });
  });
}

void DotUpstream::answered(std::span<std::uint8_t> answer) {
  if (answer.size() < dns::kHeaderSize) return;  // nothing to match it with; the query times out
  finish(dns::get16(answer.data()), ARES_SUCCESS, answer);
}

void DotUpstream::finish(std::uint16_t id, int status, std::span<std::uint8_t> answer) {
  const auto it = pending_.find(id);
  if (it == pending_.end()) return;  // late, after its timeout
  AresCallback callback = std::move(it->second.callback);
  pending_.erase(it);
  callback(status, answer);
}

void DotUpstream::lost(const std::string& why) {
  const bool idle = pending_.empty();
  boost::system::error_code ignored;
  link_->owner = nullptr;
  link_->stream.lowest_layer().close(ignored);
  link_.reset();
  ready_ = false;
  to_write_.clear();
  if (idle && why == "closed by the upstream") return;  // an idle connection closed: reconnect when needed
  core::log::debug("upstream ", upstream_.address.to_string(), ":", upstream_.port, " (dot): ", why);
  // Reconnect no sooner than the backoff, doubling while it keeps failing.
  backoff_ = std::min(kMaxBackoff, backoff_ == std::chrono::milliseconds{0} ? kFirstBackoff : backoff_ * 2);
  retry_at_ = Clock::now() + backoff_;
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, p] : pending) p.callback(ARES_ECONNREFUSED, {});
}

void DotUpstream::arm_timer() {
  if (pending_.empty()) return;
  Clock::time_point earliest = Clock::time_point::max();
  for (const auto& [id, p] : pending_) earliest = std::min(earliest, p.deadline);
  timer_.expires_at(earliest);
  timer_.async_wait([this, alive = std::weak_ptr<DotUpstream*>(alive_)](const boost::system::error_code& ec) {
    if (ec || alive.expired()) return;
    const auto now = Clock::now();
    std::vector<std::uint16_t> expired;
    for (const auto& [id, p] : pending_) if (p.deadline <= now) expired.push_back(id);
    for (const std::uint16_t id : expired) finish(id, ARES_ETIMEOUT);
    arm_timer();
  });
}

}  // namespace sprout::net
