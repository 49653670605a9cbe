// The worker's QueryObserver: per-worker counters and the opt-in query log.
#pragma once

#include <atomic>

#include "sprout/core/counters.hpp"
#include "sprout/core/driver.hpp"

namespace sprout::stats {
class QueryLog;
}

namespace sprout::net {

class QueryRecorder final : public core::QueryObserver {
 public:
  void observe(const core::QueryContext& q, std::uint64_t latency_us) noexcept override;
  [[nodiscard]] core::QueryCounters& counters() noexcept { return counters_; }
  // Set by the control thread, read per query by the worker.
  void set_query_log(stats::QueryLog* log) noexcept { query_log_.store(log, std::memory_order_release); }

 private:
  void log_query(stats::QueryLog& log, const core::QueryContext& q);

  core::QueryCounters counters_;
  std::atomic<stats::QueryLog*> query_log_{nullptr};
};

}  // namespace sprout::net
