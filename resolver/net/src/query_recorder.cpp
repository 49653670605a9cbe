// QueryRecorder: counting never fails a query; the query log is opt-in and pseudonymized.
#include "sprout/net/query_recorder.hpp"

#include "sprout/core/network_table.hpp"
#include "sprout/core/snapshot.hpp"
#include "sprout/stats/query_log.hpp"

namespace sprout::net {

void QueryRecorder::observe(const core::QueryContext& q, std::uint64_t latency_us) noexcept {
  core::record_query(counters_, q, latency_us);
  stats::QueryLog* log = query_log_.load(std::memory_order_acquire);
  // A rate-limited query is a flood's: counted, never a log line each (nor a write).
  const bool limited = q.guard == core::Guard::rate_refused || q.guard == core::Guard::rate_truncated;
  if (log == nullptr || q.network == nullptr || limited) return;
  try {
    log_query(*log, q);
  } catch (...) {
    // Out of memory for one log line: the query was answered; the line is lost.
  }
}

void QueryRecorder::log_query(stats::QueryLog& log, const core::QueryContext& q) {
  const core::ReportAction action = core::report_action(q);
  if (action == core::ReportAction::kCount) return;
  // Opt-in only: the address is pseudonymized inside record() and never stored as given.
  stats::QueryLogEntry e;
  e.timestamp = std::chrono::duration_cast<std::chrono::seconds>(q.snapshot->clock_now().time_since_epoch()).count();
  e.network = q.network->name;
  e.qname = std::string(q.view.qname.view());
  e.qtype = q.view.qtype;
  e.action = std::string(core::report_action_name(action));
  if (q.decision.category >= 0) e.category = q.snapshot->config->categories[static_cast<std::size_t>(q.decision.category)].name;
  // A device's MAC is personal data like its address: record() pseudonymizes either, and a
  // device's name is never logged.
  e.client = q.has_mac ? config::mac_to_string(q.mac) : q.client.to_string();
  log.record(e);
}

}  // namespace sprout::net
