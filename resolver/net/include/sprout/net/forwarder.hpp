// The upstream step's I/O for one set of upstreams: failover across them, one c-ares
// channel each, answers handed back to the query's driver.
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "sprout/core/driver.hpp"
#include "sprout/net/ares_channel.hpp"

namespace sprout::net {

// Per-upstream health and load, for metrics (written by its worker only).
struct UpstreamCounters {
  std::atomic<std::uint64_t> queries{0}, failures{0}, latency_us{0};
};

inline constexpr std::size_t kMaxUpstreams = 16;

class Forwarder {
 public:
  Forwarder(asio::io_context& io, const std::vector<config::Upstream>& upstreams,
            std::span<UpstreamCounters, kMaxUpstreams> counters);
  // Tries the healthy upstreams first, in configured order; all failed: the driver serves
  // stale or SERVFAIL.
  void resolve(std::unique_ptr<core::PendingQuery> p);
  [[nodiscard]] const std::vector<config::Upstream>& upstreams() const noexcept { return upstreams_; }
  [[nodiscard]] std::size_t pending() const noexcept { return pending_; }  // queries inside

 private:
  using Clock = std::chrono::steady_clock;
  void plan(core::PendingQuery& p) const;
  void attempt(std::unique_ptr<core::PendingQuery> p);
  void on_result(std::unique_ptr<core::PendingQuery> p, std::size_t upstream, int status, std::span<std::uint8_t> answer);
  void fail(std::unique_ptr<core::PendingQuery> p);

  std::vector<config::Upstream> upstreams_;
  std::vector<std::unique_ptr<UpstreamChannel>> channels_;
  std::vector<Clock::time_point> down_until_;  // skipped while in the future, unless all are down
  std::span<UpstreamCounters, kMaxUpstreams> counters_;
  std::size_t pending_ = 0;
};

}  // namespace sprout::net
