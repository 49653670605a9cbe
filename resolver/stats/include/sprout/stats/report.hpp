// Report data: what a report says, computed from the stats store for a date range and scope.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sprout/stats/stats_store.hpp"

namespace sprout::stats {

using ScopeTerm = std::pair<std::string, std::string>;  // label, value ("network", NAME allowed)

struct ReportQuery {
  Date from;  // inclusive, local dates
  Date to;
  std::vector<ScopeTerm> scope;  // all terms must match a network; empty = every network
};

[[nodiscard]] std::optional<ScopeTerm> parse_scope_term(std::string_view text);  // "district=Q1"
[[nodiscard]] bool scope_matches(const NetworkInfo& network, const std::vector<ScopeTerm>& scope);

struct ActionCount {
  std::string action;  // report_action_name()
  std::uint64_t count = 0;
};

struct DayCategoryCount {
  std::string day;
  std::string category;  // "" = blocked without a category (a deny override)
  std::uint64_t count = 0;
};

struct DomainTotal {
  std::string domain;
  std::uint64_t count = 0;
};

struct CategoryTop {
  std::string category;
  std::vector<DomainTotal> domains;  // at most kTopDomains, largest first
};

struct NetworkBreakdown {
  std::string network;
  std::map<std::string, std::string> labels;
  std::vector<ActionCount> actions;  // every action, fixed order
};

inline constexpr std::size_t kTopDomains = 10;
inline constexpr std::int64_t kMaxReportDays = 400;

struct ReportData {
  ReportQuery query;
  std::int64_t generated_at = 0;  // unix seconds
  int utc_offset_minutes = 0;
  int threshold = 5;
  // Coverage.
  std::vector<NetworkInfo> networks;        // networks in scope
  std::vector<std::string> days;            // every day of the range
  std::vector<std::string> days_with_data;
  std::vector<ListStatusRow> lists;
  std::vector<CoverageRow> coverage;        // central store: every instance, minutes reported
  // Figures.
  std::vector<ActionCount> totals;          // every action, fixed order
  std::vector<std::string> categories;      // blocked categories seen, sorted
  std::vector<DayCategoryCount> blocked_trend;  // days x categories, zeros included
  bool top_domains_available = true;        // false for a scope narrower than the instance
  std::vector<CategoryTop> top_domains;
  std::uint64_t bypass_attempts = 0;
  std::uint64_t safesearch_enforced = 0;
  std::vector<NetworkBreakdown> per_network;
};

// Reads the store and fills `out`. Errors (bad range, unreadable store) are returned.
Status build_report(ReportSource& store, const ReportQuery& query, std::int64_t now, ReportData& out);

}  // namespace sprout::stats
