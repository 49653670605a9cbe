// build_report: scope filtering and the sums every renderer shows.
#include "sprout/stats/report.hpp"

#include <algorithm>
#include <exception>
#include <set>

namespace sprout::stats {
namespace {

// "paused" is left out: add_action appends it to the reports that had paused answers only.
constexpr core::ReportAction kActionOrder[] = {
    core::ReportAction::allowed,  core::ReportAction::blocked, core::ReportAction::safesearch,
    core::ReportAction::bypass_blocked, core::ReportAction::refused, core::ReportAction::servfail};

std::vector<ActionCount> empty_actions() {
  std::vector<ActionCount> out;
  for (auto a : kActionOrder) out.push_back({std::string(core::report_action_name(a)), 0});
  return out;
}

void add_action(std::vector<ActionCount>& v, const std::string& action, std::uint64_t n) {
  for (auto& a : v)
    if (a.action == action) {
      a.count += n;
      return;
    }
  v.push_back({action, n});  // an action this build does not know: still counted
}

// Networks in scope: the recorded ones that match, plus (unscoped) names only seen in counts.
std::map<std::string, NetworkInfo> scoped_networks(const std::vector<NetworkInfo>& known,
                                                   const std::vector<StoredCount>& rows,
                                                   const std::vector<ScopeTerm>& scope) {
  std::map<std::string, NetworkInfo> out;
  for (const auto& n : known)
    if (scope_matches(n, scope)) out[n.name] = n;
  if (scope.empty())
    for (const auto& r : rows) out.try_emplace(r.network, NetworkInfo{r.network, {}});
  return out;
}

std::vector<CategoryTop> top_domains(const std::vector<BlockedDomainRow>& rows, int threshold) {
  std::map<std::string, std::map<std::string, std::uint64_t>> by_category;
  for (const auto& r : rows) by_category[r.category][r.domain] += r.count;
  std::vector<CategoryTop> out;
  for (const auto& [category, domains] : by_category) {
    CategoryTop top{category, {}};
    for (const auto& [domain, count] : domains)
      // Privacy: a rarely seen name could point at one person, so it is not listed at all.
      if (count >= static_cast<std::uint64_t>(std::max(threshold, 0))) top.domains.push_back({domain, count});
    std::sort(top.domains.begin(), top.domains.end(), [](const DomainTotal& a, const DomainTotal& b) {
      return a.count != b.count ? a.count > b.count : a.domain < b.domain;
    });
    if (top.domains.size() > kTopDomains) top.domains.resize(kTopDomains);
    if (!top.domains.empty()) out.push_back(std::move(top));
  }
  return out;
}

void fill_trend(ReportData& out, const std::map<std::pair<std::string, std::string>, std::uint64_t>& blocked) {
  std::set<std::string> categories;
  for (const auto& [key, n] : blocked) categories.insert(key.second);
  out.categories.assign(categories.begin(), categories.end());
  for (const auto& day : out.days)
    for (const auto& c : out.categories) {
      auto it = blocked.find({day, c});
      out.blocked_trend.push_back({day, c, it == blocked.end() ? 0 : it->second});
    }
}

// An instance is in scope unless one of its own labels (or its name) contradicts a term: a
// district's instance stays listed under a school scope, so that its silence shows.
bool instance_in_scope(const CoverageRow& c, const std::vector<ScopeTerm>& scope) {
  return std::all_of(scope.begin(), scope.end(), [&](const ScopeTerm& t) {
    if (t.first == "instance") return c.instance == t.second;
    const auto it = c.labels.find(t.first);
    return it == c.labels.end() || it->second == t.second;
  });
}

}  // namespace

std::optional<ScopeTerm> parse_scope_term(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == text.size()) return std::nullopt;
  return ScopeTerm{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

bool scope_matches(const NetworkInfo& network, const std::vector<ScopeTerm>& scope) {
  for (const auto& [label, value] : scope) {
    if (label == "network") {
      if (network.name != value) return false;
      continue;
    }
    auto it = network.labels.find(label);
    if (it == network.labels.end() || it->second != value) return false;
  }
  return true;
}

Status build_report(ReportSource& store, const ReportQuery& query, std::int64_t now, ReportData& out) try {
  if (query.to < query.from) return Status::failure("--from " + query.from.to_string() + " is after --to " + query.to.to_string());
  const std::int64_t span = query.to.day_number() - query.from.day_number() + 1;
  if (span > kMaxReportDays) return Status::failure("the range is longer than " + std::to_string(kMaxReportDays) + " days");
  const int offset = store.options().utc_offset_minutes;
  out = ReportData{};
  out.query = query;
  out.generated_at = now;
  out.utc_offset_minutes = offset;
  out.threshold = store.options().report_threshold;

  std::vector<NetworkInfo> known;
  std::vector<StoredCount> rows;
  if (auto s = store.read_networks(known); !s) return s;
  if (auto s = store.read_counts(day_start_unix(query.from, offset), day_start_unix(query.to.plus_days(1), offset), rows); !s)
    return s;
  const std::int64_t from_unix = day_start_unix(query.from, offset);
  const std::int64_t to_unix = day_start_unix(query.to.plus_days(1), offset);
  if (auto s = store.read_lists(from_unix, to_unix, out.lists); !s) return s;
  if (auto s = store.read_coverage(from_unix, to_unix, out.coverage); !s) return s;
  std::erase_if(out.coverage, [&](const CoverageRow& c) { return !instance_in_scope(c, query.scope); });
  const auto networks = scoped_networks(known, rows, query.scope);
  if (!query.scope.empty() && networks.empty()) return Status::failure("the scope matches no recorded network");
  for (const auto& [name, info] : networks) out.networks.push_back(info);
  for (std::int64_t d = 0; d < span; ++d) out.days.push_back(query.from.plus_days(d).to_string());

  out.totals = empty_actions();
  std::map<std::string, NetworkBreakdown> per_network;
  for (const auto& [name, info] : networks) per_network[name] = NetworkBreakdown{name, info.labels, empty_actions()};
  std::map<std::pair<std::string, std::string>, std::uint64_t> blocked;  // (day, category)
  std::set<std::string> days_with_data;
  for (const auto& r : rows) {
    auto net = per_network.find(r.network);
    if (net == per_network.end()) continue;  // outside the scope
    const std::string day = Date::from_unix(r.minute, offset).to_string();
    days_with_data.insert(day);
    add_action(out.totals, r.action, r.count);
    add_action(net->second.actions, r.action, r.count);
    if (r.action == "blocked") blocked[{day, r.category}] += r.count;
    if (r.action == "bypass-blocked") out.bypass_attempts += r.count;
    if (r.action == "safesearch") out.safesearch_enforced += r.count;
  }
  out.days_with_data.assign(days_with_data.begin(), days_with_data.end());
  for (auto& [name, b] : per_network) out.per_network.push_back(std::move(b));
  fill_trend(out, blocked);

  // Blocked domains are kept per instance, not per network: a narrower scope cannot have them.
  out.top_domains_available = query.scope.empty() || (!store.multi_instance() && networks.size() == known.size());
  if (out.top_domains_available) {
    std::vector<BlockedDomainRow> domains;
    if (auto s = store.read_blocked_domains(query.from, query.to, domains); !s) return s;
    out.top_domains = top_domains(domains, out.threshold);
  }
  return Status::success();
} catch (const std::exception& e) {
  return Status::failure(std::string("building the report: ") + e.what());
}

}  // namespace sprout::stats
