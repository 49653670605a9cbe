// One worker: an io_context on its own thread with its own sockets, c-ares channels and counters.
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <array>
#include <atomic>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "sprout/net/forwarder.hpp"
#include "sprout/core/counters.hpp"
#include "sprout/core/snapshot.hpp"

namespace sprout::stats {
class QueryLog;
}

namespace sprout::net {

class UdpListener;
class TcpAcceptor;

struct WorkerSockets {
  std::vector<int> udp;  // bound datagram sockets, one per listen address
  std::vector<int> tcp;  // listening stream sockets
};

// Transport counters (queries by network, category and action are in QueryCounters):
// written only by the worker thread, read by anyone (relaxed).
struct WorkerCounters {
  std::atomic<std::uint64_t> tcp_connections{0};
};

class Worker {
 public:
  Worker(std::size_t index, const core::SnapshotHolder& snapshots, WorkerSockets sockets);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start();
  void stop();  // from any thread; joins
  // From any thread: pick up the newest snapshot now, releasing the previous one.
  void refresh_snapshot();

  // The query path shared by UDP and TCP. decide() runs every synchronous step without
  // allocating; on `respond` the answer is current().response(), on `forward` the caller
  // hands over a ReplySink with forward_current() (the only allocation, for misses only).
  // `out` receives a synchronous answer (default: the worker's scratch buffer).
  core::Outcome decide(std::span<const std::uint8_t> wire, const config::IpAddress& client, bool tcp,
                           std::span<std::uint8_t> out = {});
  [[nodiscard]] const core::QueryContext& current() const noexcept { return ctx_; }
  void forward_current(std::unique_ptr<ReplySink> reply, bool counted = true);

  // PROXY v2: for datagrams from a trusted front end, strips the header and replaces
  // `client` with the address it carries. False: drop the datagram.
  bool unwrap_proxy(std::span<const std::uint8_t>& wire, config::IpAddress& client);
  [[nodiscard]] bool trusted_proxy(const config::IpAddress& peer);

  [[nodiscard]] const config::TcpLimits& tcp_limits() noexcept;
  [[nodiscard]] asio::io_context& io() noexcept { return io_; }
  WorkerCounters& counters() noexcept { return counters_; }
  [[nodiscard]] const core::QueryCounters& query_counters() const noexcept { return query_counters_; }
  [[nodiscard]] const Forwarder& forwarder() const noexcept { return *forwarder_; }
  // The blocked-domain tally since the last call, taken on the worker's own thread.
  // Only while the worker runs; once stopped, call take_blocked_domains() directly.
  std::future<std::vector<core::QueryCounters::DomainCount>> harvest_blocked_domains();
  [[nodiscard]] std::vector<core::QueryCounters::DomainCount> take_blocked_domains() {
    return query_counters_.take_blocked_domains();
  }
  // Query log (opt-in): set by the control thread, read per query by this worker.
  void set_query_log(stats::QueryLog* log) noexcept { query_log_.store(log, std::memory_order_release); }
  int tcp_open = 0;  // connections currently open on this worker

 private:
  std::size_t index_;
  asio::io_context io_;
  core::SnapshotCache snapshot_;
  std::array<std::uint8_t, 4096> scratch_{};
  std::unique_ptr<Forwarder> forwarder_;
  std::vector<std::unique_ptr<UdpListener>> udp_;
  std::vector<std::shared_ptr<TcpAcceptor>> tcp_;
  WorkerCounters counters_;
  core::QueryCounters query_counters_;
  std::atomic<stats::QueryLog*> query_log_{nullptr};
  std::thread thread_;
  core::QueryContext ctx_;  // reused for synchronous answers

  void record(const core::QueryContext& q, std::uint64_t latency_us);
};

config::IpAddress to_ip(const asio::ip::address& a);

}  // namespace sprout::net
