// Worker: the per-thread event loop that owns a driver and the transports feeding it.
#include "sprout/net/worker.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "sprout/core/log.hpp"
#include "sprout/core/proxy_protocol.hpp"
#include "sprout/net/dot_server.hpp"
#include "sprout/net/tcp_server.hpp"
#include "sprout/net/tls_context.hpp"
#include "sprout/net/udp_listener.hpp"

namespace sprout::net {

config::IpAddress to_ip(const asio::ip::address& a) {
  if (a.is_v4()) return config::IpAddress::from_v4(a.to_v4().to_bytes().data());
  return config::IpAddress::from_v6(a.to_v6().to_bytes().data());
}

Worker::Worker(std::size_t index, const core::SnapshotHolder& snapshots, WorkerSockets sockets,
               const TlsContextStore* tls)
    : dot_load_(sockets.dot.size()), tls_(tls), index_(index), driver_(snapshots, upstreams_, recorder_) {
  for (int fd : sockets.udp) udp_.push_back(std::make_unique<UdpListener>(*this, fd));
  for (int fd : sockets.tcp) tcp_.push_back(std::make_shared<TcpAcceptor>(*this, fd));
  for (std::size_t i = 0; i < sockets.dot.size(); ++i)
    dot_.push_back(std::make_shared<DotAcceptor>(*this, sockets.dot[i], static_cast<std::uint16_t>(i)));
}

Worker::~Worker() {
  stop();
  dot_.clear();
  tcp_.clear();
  udp_.clear();
}

const config::TcpLimits& Worker::tcp_limits() noexcept { return driver_.snapshot()->config->tcp; }

const config::EncryptedListener& Worker::dot_listener(std::size_t i) noexcept { return driver_.snapshot()->config->dot[i]; }

std::shared_ptr<const TlsServerContext> Worker::tls_context() const { return tls_ != nullptr ? tls_->current() : nullptr; }

bool Worker::trusted_proxy(const config::IpAddress& peer) {
  return core::is_trusted_proxy(*driver_.snapshot()->config, peer);
}

void Worker::start() {
  for (auto& u : udp_) u->start();
  for (auto& t : tcp_) t->start();
  for (auto& d : dot_) d->start();
  thread_ = std::thread([this] {
    auto guard = asio::make_work_guard(io_);
    for (;;) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {
        // A handler bug must not kill the worker: log it and keep serving.
        core::log::error("worker ", index_, ": ", e.what());
      }
    }
  });
}

std::future<std::vector<core::QueryCounters::DomainCount>> Worker::harvest_blocked_domains() {
  auto task = std::make_shared<std::packaged_task<std::vector<core::QueryCounters::DomainCount>()>>(
      [this] { return recorder_.counters().take_blocked_domains(); });
  auto result = task->get_future();
  asio::post(io_, [task] { (*task)(); });
  return result;
}

std::vector<const core::ListenerState*> Worker::listeners() const {
  std::vector<const core::ListenerState*> out;
  for (const auto& u : udp_) out.push_back(&u->state());
  for (const auto& t : tcp_) out.push_back(&t->state());
  for (const auto& d : dot_) out.push_back(&d->state());
  return out;
}

void Worker::refresh_snapshot() {
  asio::post(io_, [this] { (void)driver_.snapshot(); });
}

void Worker::stop() {
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace sprout::net
