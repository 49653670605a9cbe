// DoT upstream I/O: queries are framed (RFC 7766), given IDs unique across the upstream's
// connections, written back to back and answered in any order; a lost connection fails its
// own queries over at once, the others carry on.
#include "sprout/net/dot_upstream.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <random>

#include "sprout/core/log.hpp"
#include "sprout/dns/wire.hpp"

namespace sprout::net {
namespace {

constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{10000};
constexpr std::size_t kReadChunk = 16384;  // one TLS record's worth of answers per read
constexpr const char* kClosedByUpstream = "closed by the upstream";

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
  std::vector<std::uint8_t> in;  // answers read, the last one possibly incomplete
  std::size_t have = 0;
  // Frames queued while a write is under way go out together in the next one.
  std::vector<std::uint8_t> queued, in_write;
  std::size_t inflight = 0;
  std::chrono::steady_clock::time_point last_busy = std::chrono::steady_clock::now();  // a query sent or finished
  bool ready = false;
  bool writing = false;
};

DotUpstream::DotUpstream(asio::io_context& io, const config::Upstream& upstream)
    : io_(io), upstream_(upstream), next_id_(static_cast<std::uint16_t>(std::random_device{}())), timer_(io), idle_timer_(io) {
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
  for (const auto& link : links_) {
    link->owner = nullptr;
    boost::system::error_code ignored;
    link->stream.lowest_layer().close(ignored);
  }
  timer_.cancel();
  idle_timer_.cancel();
  auto pending = std::move(pending_);
  for (auto& [id, p] : pending) p.callback(ARES_EDESTRUCTION, {});
}

void DotUpstream::send(std::span<const std::uint8_t> query, AresCallback callback) {
  std::shared_ptr<Link> link;
  if (setup_error_.empty() && query.size() >= dns::kHeaderSize && pending_.size() < 0xffff) link = pick_link();
  if (link == nullptr) return callback(ARES_ECONNREFUSED, {});  // failing at once lets the Forwarder try the next upstream
  while (pending_.count(next_id_) != 0) ++next_id_;
  const std::uint16_t id = next_id_++;
  const std::size_t at = link->queued.size();
  link->queued.resize(at + 2 + query.size());
  dns::put16(link->queued.data() + at, static_cast<std::uint16_t>(query.size()));
  std::copy(query.begin(), query.end(), link->queued.begin() + static_cast<std::ptrdiff_t>(at + 2));
  dns::put16(link->queued.data() + at + 2, id);  // the driver matches answers by question and restores the client's ID
  const auto deadline = Clock::now() + upstream_.timeout * upstream_.tries;
  pending_.emplace(id, Pending{std::move(callback), deadline, link.get()});
  ++link->inflight;
  link->last_busy = Clock::now();
  deadlines_.emplace_back(deadline, id);
  arm_timer();
  write_next(link);
}

// The least loaded connection, unless every one is past kOpenAnotherAt and another may open.
std::shared_ptr<DotUpstream::Link> DotUpstream::pick_link() {
  const std::shared_ptr<Link>* best = nullptr;
  for (const auto& l : links_) if (best == nullptr || l->inflight < (*best)->inflight) best = &l;
  const bool may_open = links_.size() < static_cast<std::size_t>(upstream_.tls->max_connections) && Clock::now() >= retry_at_;
  if (best != nullptr && ((*best)->inflight < kOpenAnotherAt || !may_open)) return *best;
  return may_open ? connect() : nullptr;  // nothing open and still backing off: fail over at once
}

std::shared_ptr<DotUpstream::Link> DotUpstream::connect() {
  auto link = std::make_shared<Link>(io_, ctx_);
  link->owner = this;
  links_.push_back(link);
  SSL* ssl = link->stream.native_handle();
  // SNI and the name the certificate must carry: the configured server_name, never the address.
  SSL_set_tlsext_host_name(ssl, upstream_.tls->server_name.c_str());
  SSL_set1_host(ssl, upstream_.tls->server_name.c_str());
  link->stream.lowest_layer().async_connect(endpoint_of(upstream_), [link](const boost::system::error_code& ec) {
    if (link->owner == nullptr) return;
    if (ec) return link->owner->connected(link, ec);
    boost::system::error_code ignored;
    link->stream.lowest_layer().set_option(asio::ip::tcp::no_delay(true), ignored);
    link->stream.async_handshake(asio::ssl::stream_base::client, [link](const boost::system::error_code& ec2) {
      if (link->owner != nullptr) link->owner->connected(link, ec2);
    });
  });
  return link;
}

void DotUpstream::connected(const std::shared_ptr<Link>& link, const boost::system::error_code& ec) {
  if (ec) return lost(link, "connect: " + ec.message());
  link->ready = true;
  backoff_ = std::chrono::milliseconds{0};
  arm_idle_check();
  write_next(link);
  read_next(link);
}

void DotUpstream::write_next(const std::shared_ptr<Link>& link) {
  if (!link->ready || link->writing || link->queued.empty()) return;
  link->writing = true;
  std::swap(link->queued, link->in_write);
  asio::async_write(link->stream, asio::buffer(link->in_write), [link](const boost::system::error_code& ec, std::size_t) {
    link->writing = false;
    link->in_write.clear();
    DotUpstream* self = link->owner;
    if (self == nullptr) return;
    if (ec) return self->lost(link, "write: " + ec.message());
    self->write_next(link);
  });
}

void DotUpstream::read_next(const std::shared_ptr<Link>& link) {
  if (link->in.size() - link->have < kReadChunk) link->in.resize(link->have + kReadChunk);
  auto room = asio::buffer(link->in.data() + link->have, link->in.size() - link->have);
  link->stream.async_read_some(room, [link](const boost::system::error_code& ec, std::size_t n) {
    DotUpstream* self = link->owner;
    if (self == nullptr) return;
    if (ec) return self->lost(link, ec == asio::error::eof ? kClosedByUpstream : "read: " + ec.message());
    link->have += n;
    std::size_t at = 0;  // every complete frame is an answer
    while (link->have - at >= 2 && link->have - at - 2 >= dns::get16(link->in.data() + at)) {
      const std::size_t size = dns::get16(link->in.data() + at);
      self->answered(*link, {link->in.data() + at + 2, size});
      at += 2 + size;
      if (link->owner != self) return;
    }
    std::memmove(link->in.data(), link->in.data() + at, link->have - at);
    link->have -= at;
    self->read_next(link);
  });
}

void DotUpstream::answered(Link& link, std::span<std::uint8_t> answer) {
  if (answer.size() < dns::kHeaderSize) return;  // nothing to match it with; the query times out
  const std::uint16_t id = dns::get16(answer.data());
  const auto it = pending_.find(id);
  // Late (after its timeout), or an ID this connection never sent: not an answer to anything.
  if (it == pending_.end() || it->second.link != &link) return;
  finish(id, ARES_SUCCESS, answer);
}

void DotUpstream::finish(std::uint16_t id, int status, std::span<std::uint8_t> answer) {
  const auto it = pending_.find(id);
  if (it == pending_.end()) return;
  --it->second.link->inflight;
  it->second.link->last_busy = Clock::now();
  AresCallback callback = std::move(it->second.callback);
  pending_.erase(it);
  callback(status, answer);
}

void DotUpstream::lost(const std::shared_ptr<Link>& link, const std::string& why) {
  const bool idle = link->ready && link->inflight == 0;
  drop(link);
  if (idle && why == kClosedByUpstream) return;  // an idle connection closed: reconnect when needed
  core::log::debug("upstream ", upstream_.address.to_string(), ":", upstream_.port, " (dot): ", why);
  // New connections no sooner than the backoff, doubling while they keep failing.
  backoff_ = std::min(kMaxBackoff, backoff_ == std::chrono::milliseconds{0} ? kFirstBackoff : backoff_ * 2);
  retry_at_ = Clock::now() + backoff_;
  std::vector<std::uint16_t> on_link;
  for (const auto& [id, p] : pending_) if (p.link == link.get()) on_link.push_back(id);
  for (const std::uint16_t id : on_link) finish(id, ARES_ECONNREFUSED);
}

void DotUpstream::arm_timer() {
  // Entries whose query finished go first: the queue stays as long as the queries in flight.
  while (!deadlines_.empty()) {
    const auto it = pending_.find(deadlines_.front().second);
    if (it != pending_.end() && it->second.deadline == deadlines_.front().first) break;
    deadlines_.pop_front();
  }
  if (timer_armed_ || deadlines_.empty()) return;
  timer_armed_ = true;
  timer_.expires_at(deadlines_.front().first);
  timer_.async_wait([this, alive = std::weak_ptr<DotUpstream*>(alive_)](const boost::system::error_code& ec) {
    if (alive.expired()) return;
    timer_armed_ = false;
    if (!ec) expire();
  });
}

void DotUpstream::expire() {
  const auto now = Clock::now();
  while (!deadlines_.empty() && deadlines_.front().first <= now) {
    const auto [deadline, id] = deadlines_.front();
    deadlines_.pop_front();
    const auto it = pending_.find(id);
    if (it != pending_.end() && it->second.deadline == deadline) finish(id, ARES_ETIMEOUT);
  }
  arm_timer();
}

// Extra connections are for bursts: once the load is gone they would hold a socket, a TLS
// session and the upstream's resources for nothing (the upstream may not close them itself).
void DotUpstream::arm_idle_check() {
  if (idle_armed_ || links_.size() <= 1) return;
  idle_armed_ = true;
  idle_timer_.expires_after(upstream_.tls->idle_timeout / 2);  // closes within 1.5x the timeout
  idle_timer_.async_wait([this, alive = std::weak_ptr<DotUpstream*>(alive_)](const boost::system::error_code& ec) {
    if (alive.expired()) return;
    idle_armed_ = false;
    if (!ec) close_idle();
  });
}

void DotUpstream::close_idle() {
  const auto idle_since = Clock::now() - upstream_.tls->idle_timeout;
  std::vector<std::shared_ptr<Link>> idle;
  for (const auto& l : links_)
    if (l->ready && l->inflight == 0 && !l->writing && l->queued.empty() && l->last_busy <= idle_since) idle.push_back(l);
  if (idle.size() == links_.size()) idle.pop_back();  // one stays open
  for (const auto& l : idle) drop(l);
  arm_idle_check();
}

void DotUpstream::drop(const std::shared_ptr<Link>& link) {
  link->owner = nullptr;  // its handlers still pending end on the closed socket and find no owner
  boost::system::error_code ignored;
  link->stream.lowest_layer().close(ignored);
  std::erase(links_, link);
}

}  // namespace sprout::net
