// Worker: the per-thread event loop that owns a driver and the transports feeding it.
#include "sprout/net/worker.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "sprout/core/log.hpp"
#include "sprout/core/proxy_protocol.hpp"
#include "sprout/net/doh_server.hpp"
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
    : dot_load_(sockets.dot.size()), doh_load_(sockets.doh.size()), tls_(tls), index_(index),
      driver_(snapshots, upstreams_, recorder_) {
  for (int fd : sockets.udp) udp_.push_back(std::make_unique<UdpListener>(*this, fd));
  for (int fd : sockets.tcp) {
    streams_.push_back(std::make_shared<StreamAcceptor>(*this, fd, "tcp", [this](auto s) { accept_tcp(*this, std::move(s)); }));
  }
  for (std::size_t i = 0; i < sockets.dot.size(); ++i) {
    streams_.push_back(std::make_shared<StreamAcceptor>(*this, sockets.dot[i], "dot",
                                                        [this, i](auto s) { accept_dot(*this, i, std::move(s)); }));
  }
  for (std::size_t i = 0; i < sockets.doh.size(); ++i) {
    streams_.push_back(std::make_shared<StreamAcceptor>(*this, sockets.doh[i], "doh",
                                                        [this, i](auto s) { accept_doh(*this, i, std::move(s)); }));
  }
}

Worker::~Worker() {
  stop();
  streams_.clear();
  udp_.clear();
}

const config::TcpLimits& Worker::tcp_limits() noexcept { return driver_.snapshot()->config->tcp; }

const config::EncryptedListener& Worker::encrypted_listener(core::Transport t, std::size_t i) noexcept {
  const config::Config& cfg = *driver_.snapshot()->config;
  return t == core::Transport::doh ? cfg.doh[i] : cfg.dot[i];
}

std::shared_ptr<const TlsServerContext> Worker::tls_context() const { return tls_ != nullptr ? tls_->current() : nullptr; }

bool Worker::trusted_proxy(const config::IpAddress& peer) {
  return core::is_trusted_proxy(*driver_.snapshot()->config, peer);
}

void Worker::start() {
  for (auto& u : udp_) u->start();
  for (auto& t : streams_) t->start();
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
  for (const auto& t : streams_) out.push_back(&t->state());
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
