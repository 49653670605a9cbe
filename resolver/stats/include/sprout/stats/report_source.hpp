// What build_report reads: implemented by the SQLite store (one instance) and the
// PostgreSQL store (every instance of a fleet).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sprout/stats/minute_aggregator.hpp"
#include "sprout/stats/status.hpp"

namespace sprout::stats {

struct NetworkInfo {
  std::string name;
  std::map<std::string, std::string> labels;  // province/district/school, for report scopes
};

enum class ListState { ok, stale, failed, never_loaded };
[[nodiscard]] std::string_view list_state_name(ListState s) noexcept;

struct ListStatusRow {
  std::string name;
  std::string category;
  std::uint64_t entries = 0;
  std::int64_t last_refresh = 0;  // unix seconds, 0 = never
  ListState state = ListState::ok;
};

// Rows read back for reports.
struct StoredCount {
  std::int64_t minute = 0;
  std::string network, category, action;
  std::uint64_t count = 0;
};

// One instance of a fleet and how many minutes it reported in the period.
struct CoverageRow {
  std::string instance;
  std::map<std::string, std::string> labels;
  std::int64_t minutes = 0;
  std::int64_t last_minute = 0;  // unix seconds of its last reported minute ever, 0 = never
};

class ReportSource {
 public:
  virtual ~ReportSource() = default;
  [[nodiscard]] virtual const StatsOptions& options() const noexcept = 0;
  // [from, to) unix seconds for minutes, inclusive dates for days.
  virtual Status read_counts(std::int64_t from, std::int64_t to, std::vector<StoredCount>& out) = 0;
  virtual Status read_blocked_domains(const Date& from, const Date& to, std::vector<BlockedDomainRow>& out) = 0;
  virtual Status read_networks(std::vector<NetworkInfo>& out) = 0;
  // The lists as they were over [from, to): a list that failed or went stale in it says so.
  virtual Status read_lists(std::int64_t from, std::int64_t to, std::vector<ListStatusRow>& out) = 0;
  // Instances and their reported minutes; a single-instance store has none to list.
  virtual Status read_coverage(std::int64_t /*from*/, std::int64_t /*to*/, std::vector<CoverageRow>& /*out*/) {
    return Status::success();
  }
  // Whether blocked domains can be narrowed to the networks in a scope (never per network).
  [[nodiscard]] virtual bool multi_instance() const noexcept { return false; }
};

}  // namespace sprout::stats
