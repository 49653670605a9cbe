// One worker: an io_context on its own thread with its own sockets, driver, upstream
// channels and counters.
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

#include "sprout/core/counters.hpp"
#include "sprout/core/driver.hpp"
#include "sprout/core/listener_state.hpp"
#include "sprout/core/snapshot.hpp"
#include "sprout/net/query_recorder.hpp"
#include "sprout/net/upstream_pool.hpp"

namespace sprout::net {

class UdpListener;
class StreamAcceptor;
class TlsContextStore;
struct TlsServerContext;

struct WorkerSockets {
  std::vector<int> udp;  // bound datagram sockets, one per listen address
  std::vector<int> tcp;  // listening stream sockets
  std::vector<int> dot;  // DoT listening sockets, one per config.dot entry, in order
  std::vector<int> doh;  // DoH listening sockets, one per config.doh entry, in order
};

// Per encrypted transport: written only by the worker thread, read by anyone (relaxed).
struct TransportCounters {
  std::atomic<std::uint64_t> connections{0};         // accepted within the caps
  std::atomic<std::uint64_t> handshakes{0};          // TLS handshakes completed
  std::atomic<std::uint64_t> handshake_failures{0};  // failed, timed out, or a wrong SNI refused
  std::atomic<std::uint64_t> queries{0};
  std::atomic<std::uint64_t> errors{0};              // refused at a cap, broken framing, overflowing output
  std::atomic<std::uint64_t> forwarded_ignored{0};   // X-Forwarded-For not believed (untrusted peer, unreadable)
};

// Transport counters (queries by network, category and action are in QueryCounters):
// written only by the worker thread, read by anyone (relaxed).
struct WorkerCounters {
  std::atomic<std::uint64_t> tcp_connections{0};
  std::array<TransportCounters, static_cast<std::size_t>(core::Transport::kCount)> transports;
  TransportCounters& transport(core::Transport t) noexcept { return transports[static_cast<std::size_t>(t)]; }
  const TransportCounters& transport(core::Transport t) const noexcept { return transports[static_cast<std::size_t>(t)]; }
};

// One encrypted listener's load on one worker.
struct ListenerLoad {
  int open = 0;         // connections
  int handshaking = 0;  // TLS handshakes in progress
};

class Worker {
 public:
  // `tls`: the certificate store of DoT/DoH (null without encrypted listeners); outlives us.
  Worker(std::size_t index, const core::SnapshotHolder& snapshots, WorkerSockets sockets,
         const TlsContextStore* tls = nullptr);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start();
  void stop();  // from any thread; joins
  // From any thread: pick up the newest snapshot now, releasing the previous one.
  void refresh_snapshot();

  // Every transport hands its queries to the driver.
  [[nodiscard]] core::Driver& driver() noexcept { return driver_; }
  // Streams read a PROXY v2 header once per connection from a trusted front end.
  [[nodiscard]] bool trusted_proxy(const config::IpAddress& peer);
  [[nodiscard]] const config::TcpLimits& tcp_limits() noexcept;
  // config.dot[i] or config.doh[i]: restart-only, so the same in every snapshot.
  [[nodiscard]] const config::EncryptedListener& encrypted_listener(core::Transport t, std::size_t i) noexcept;
  [[nodiscard]] ListenerLoad& encrypted_load(core::Transport t, std::size_t i) noexcept {
    return t == core::Transport::doh ? doh_load_[i] : dot_load_[i];
  }
  // The certificate new connections get (null: none loaded).
  [[nodiscard]] std::shared_ptr<const TlsServerContext> tls_context() const;
  [[nodiscard]] asio::io_context& io() noexcept { return io_; }
  WorkerCounters& counters() noexcept { return counters_; }
  [[nodiscard]] const core::QueryCounters& query_counters() noexcept { return recorder_.counters(); }
  [[nodiscard]] const UpstreamCounters& upstream_counters(std::size_t i) const noexcept { return upstreams_.counters(i); }
  // Every listener of this worker, for /health and /metrics (read from any thread).
  [[nodiscard]] std::vector<const core::ListenerState*> listeners() const;
  [[nodiscard]] std::size_t index() const noexcept { return index_; }
  // The blocked-domain tally since the last call, taken on the worker's own thread.
  // Only while the worker runs; once stopped, call take_blocked_domains() directly.
  std::future<std::vector<core::QueryCounters::DomainCount>> harvest_blocked_domains();
  [[nodiscard]] std::vector<core::QueryCounters::DomainCount> take_blocked_domains() {
    return recorder_.counters().take_blocked_domains();
  }
  // Query log (opt-in): set by the control thread, read per query by this worker.
  void set_query_log(stats::QueryLog* log) noexcept { recorder_.set_query_log(log); }
  int tcp_open = 0;  // connections currently open on this worker

 private:
  // Before io_: connections still held by its handlers count down into these when it is destroyed.
  std::vector<ListenerLoad> dot_load_;
  std::vector<ListenerLoad> doh_load_;
  const TlsContextStore* tls_;
  std::size_t index_;
  asio::io_context io_;
  QueryRecorder recorder_;
  core::Driver driver_;           // before upstreams_: cancelled upstream queries report to it
  UpstreamPool upstreams_{io_};
  std::vector<std::unique_ptr<UdpListener>> udp_;
  std::vector<std::shared_ptr<StreamAcceptor>> streams_;  // TCP, DoT, DoH
  WorkerCounters counters_;
  std::thread thread_;
};

config::IpAddress to_ip(const asio::ip::address& a);

}  // namespace sprout::net
