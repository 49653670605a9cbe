// Sends queries upstream with failover across the configured upstreams, one c-ares channel each.
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "sprout/net/ares_channel.hpp"
#include "sprout/core/counters.hpp"
#include "sprout/core/engine.hpp"

namespace sprout::net {

// Where an answer goes: the forwarder only needs to send or to give up.
class ReplySink {
 public:
  virtual ~ReplySink() = default;
  virtual void send(std::span<const std::uint8_t> bytes) = 0;
  virtual void drop() = 0;
};

// A query waiting for upstream: owns the client's bytes, and pins the snapshot it started
// on so a reload mid-flight never mixes two policies.
struct PendingQuery {
  std::vector<std::uint8_t> wire;
  core::QueryContext ctx;  // ctx.view.wire points into `wire`
  std::shared_ptr<const core::Snapshot> snapshot;
  std::unique_ptr<ReplySink> reply;
  std::array<std::uint8_t, 16> order{};  // upstream indexes to try, best first
  std::uint8_t order_size = 0;
  std::uint8_t next = 0;
  std::chrono::steady_clock::time_point start;
  bool counted = true;  // false for prefetches: the client's query was already counted
};

// Per-upstream health and load, for metrics (written by its worker only).
struct UpstreamCounters {
  std::atomic<std::uint64_t> queries{0}, failures{0}, latency_us{0};
};

class Forwarder {
 public:
  // `done` is told about every counted query when its answer is ready (counters, query log).
  using DoneFn = std::function<void(const core::QueryContext&, std::uint64_t latency_us)>;
  Forwarder(asio::io_context& io, const std::vector<config::Upstream>& upstreams, std::span<std::uint8_t> scratch,
            DoneFn done);
  void forward(std::unique_ptr<PendingQuery> p);
  [[nodiscard]] std::size_t size() const noexcept { return channels_.size(); }
  [[nodiscard]] const UpstreamCounters& upstream_counters(std::size_t i) const noexcept { return *upstream_counters_[i]; }

 private:
  using Clock = std::chrono::steady_clock;
  void plan(PendingQuery& p) const;
  void attempt(std::unique_ptr<PendingQuery> p);
  void on_result(std::unique_ptr<PendingQuery> p, std::size_t upstream, int status, std::span<std::uint8_t> answer);
  void fail(std::unique_ptr<PendingQuery> p);

  std::vector<std::unique_ptr<AresChannel>> channels_;
  std::vector<Clock::time_point> down_until_;  // skipped while in the future, unless all are down
  std::span<std::uint8_t> scratch_;
  DoneFn done_;
  std::vector<std::unique_ptr<UpstreamCounters>> upstream_counters_;
  void finish(PendingQuery& p, std::span<const std::uint8_t> answer);
  std::array<std::uint8_t, dns::kMaxForwardUdpSize + 4096> query_buf_{};
};

}  // namespace sprout::net
