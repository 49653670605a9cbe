// GET /api/overview: the dashboard's first page, from this instance's stats store, SQLite or
// its own rows in the central PostgreSQL one (aggregates only: never a domain per client,
// never a client address), lists, upstreams and schedules.
#include <map>

#include "dashboard_http.hpp"
#include "pause_http.hpp"
#include "sprout/control/monitoring.hpp"
#include "sprout/core/json.hpp"
#include "sprout/time/schedule_clock.hpp"

namespace sprout::control {
namespace {

struct Totals {
  std::uint64_t queries = 0, blocked = 0, safesearch = 0, bypass = 0;
};

void add(Totals& t, const std::string& action, std::uint64_t n) {
  t.queries += n;
  if (action == "blocked") t.blocked += n;
  else if (action == "safesearch") t.safesearch += n;
  else if (action == "bypass-blocked") t.bypass += n;
}

void counts_json(const std::vector<stats::StoredCount>& rows, int offset, core::Json& out) {
  Totals all;
  std::map<std::string, Totals> days, networks;
  std::map<std::string, std::uint64_t> categories;
  for (const stats::StoredCount& r : rows) {
    add(all, r.action, r.count);
    add(days[stats::Date::from_unix(r.minute, offset).to_string()], r.action, r.count);
    add(networks[r.network], r.action, r.count);
    if ((r.action == "blocked" || r.action == "bypass-blocked") && r.category != "none") categories[r.category] += r.count;
  }
  out["totals"] = {{"queries", all.queries}, {"blocked", all.blocked + all.bypass}, {"safesearch", all.safesearch}, {"bypass", all.bypass}};
  for (const auto& [day, t] : days) out["by_day"].push_back({{"day", day}, {"queries", t.queries}, {"blocked", t.blocked + t.bypass}});
  for (const auto& [net, t] : networks) out["by_network"].push_back({{"network", net}, {"queries", t.queries}, {"blocked", t.blocked + t.bypass}});
  for (const auto& [cat, n] : categories) out["by_category"].push_back({{"category", cat}, {"blocked", n}});
}

// Per profile, the next instant a window starts or ends, and which.
core::Json next_changes(const core::Snapshot& snap, std::chrono::system_clock::time_point now) {
  core::Json out = core::Json::array();
  for (std::size_t i = 0; i < snap.profiles.size(); ++i) {
    const time::State s = snap.profiles[i].clock->at(now);
    if (s.next_change >= time::kNever) continue;
    const time::State then = snap.profiles[i].clock->at(s.next_change);
    const auto& schedules = snap.config->profiles[i].schedules;
    for (std::size_t b = 0; b < schedules.size(); ++b) {
      const bool was = s.active & (1u << b), will = then.active & (1u << b);
      if (was == will) continue;
      out.push_back({{"profile", snap.config->profiles[i].name}, {"at", time::format_iso8601_utc(s.next_change)},
                     {"what", schedules[b].name + (will ? " starts" : " ends")}});
    }
  }
  return out;
}

core::Json lists_json(const std::vector<blocklists::ListStatus>& lists, std::chrono::system_clock::time_point now) {
  core::Json out = core::Json::array();
  for (const blocklists::ListStatus& l : lists) {
    core::Json j = {{"name", l.name}, {"category", l.category}, {"state", blocklists::state_name(l.state)},
                    {"entries", l.entries}, {"age_seconds", nullptr}, {"error", l.error}};
    if (l.last_refresh) j["age_seconds"] = std::chrono::duration_cast<std::chrono::seconds>(now - *l.last_refresh).count();
    if (!l.bundled.empty()) j["state"] = "bundled " + l.bundled;
    out.push_back(std::move(j));
  }
  return out;
}

// How long the admin request waits for PostgreSQL: the overview is polled by a page, and the
// control thread also runs the minute flush and reloads.
constexpr std::chrono::milliseconds kCentralWait{2000};

}  // namespace

stats::Status Monitoring::overview_counts(std::int64_t from, std::int64_t to, core::Json& out) {
  std::vector<stats::StoredCount> rows;
  if (store_) {
    flush_minute();  // the minute in progress counts too
    if (auto s = store_->read_counts(from, to, rows); !s) return s;
    out["counts"] = "sqlite";
  } else if (central_counts_) {
    flush_minute();  // handed to the writer, which sends it now: usually in time for this read
    if (auto s = central_counts_->read(from, to, kCentralWait, rows); !s) {
      // Never a hang and never zeros passed off as figures: the page says why there are none.
      out["counts"] = "unreachable";
      out["note"] = "central store unreachable (" + s.error + "); " + std::to_string(central_->counters().spooled.load()) +
                    " minute(s) of counts are spooled here and sent when it is back";
      return stats::Status::success();
    }
    out["counts"] = "postgresql";
  } else {
    out["counts"] = "off";
    out["note"] = "counts need the stats store (stats.enabled)";
    return stats::Status::success();
  }
  counts_json(rows, stats_options_.utc_offset_minutes, out);
  return stats::Status::success();
}

// An upstream is "down" when every query sent to it since the last look failed.
core::Json Monitoring::upstreams_json(const config::Config& cfg) {
  core::Json out = core::Json::array();
  upstream_seen_.resize(cfg.upstreams.size());
  for (std::size_t i = 0; i < cfg.upstreams.size() && i < net::kMaxUpstreams; ++i) {
    std::uint64_t queries = 0, failures = 0;
    for (const auto& w : workers_) {
      queries += w->upstream_counters(i).queries.load(std::memory_order_relaxed);
      failures += w->upstream_counters(i).failures.load(std::memory_order_relaxed);
    }
    const auto [seen_q, seen_f] = upstream_seen_[i];
    const bool down = queries > seen_q && failures - seen_f >= queries - seen_q;
    upstream_seen_[i] = {queries, failures};
    const std::string address = config::Endpoint{cfg.upstreams[i].address, cfg.upstreams[i].port}.to_string();
    out.push_back({{"name", address}, {"address", address}, {"state", down ? "down" : "up"},
                   {"answers", queries - std::min(queries, failures)}, {"failures", failures}});
  }
  return out;
}

admin::ReportResult Monitoring::overview(const admin::QueryParams& params) {
  const auto it = params.find("period");
  const std::string period = it == params.end() ? "today" : it->second;
  const int days = period == "today" ? 1 : period == "7d" ? 7 : period == "30d" ? 30 : 0;
  if (days == 0) return {400, "application/json", core::dump_json({{"error", "period must be today, 7d or 30d"}}) + "\n"};
  const auto snap = snapshots_.load();
  const auto now = snap->clock_now();
  const std::int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const int offset = stats_options_.utc_offset_minutes;
  const std::int64_t from = stats::day_start_unix(stats::Date::from_unix(now_s, offset).plus_days(1 - days), offset);
  core::Json out = {{"period", period}, {"from", time::format_iso8601_utc(std::chrono::system_clock::time_point(std::chrono::seconds(from)))},
                    {"to", time::format_iso8601_utc(std::chrono::floor<std::chrono::seconds>(now))},
                    {"totals", {{"queries", 0}, {"blocked", 0}, {"safesearch", 0}, {"bypass", 0}}}, {"by_day", core::Json::array()}, {"by_network", core::Json::array()},
                    {"by_category", core::Json::array()}};
  if (auto s = overview_counts(from, now_s + 60, out); !s) return {500, "application/json", core::dump_json({{"error", s.error}}) + "\n"};
  out["lists"] = lists_json(lists_.statuses(), std::chrono::system_clock::now());
  out["upstreams"] = upstreams_json(*snap->config);
  out["next_changes"] = next_changes(*snap, now);
  out["pauses"] = core::Json::parse(pauses_json(*snap))["pauses"];
  return {200, "application/json", core::dump_json(out) + "\n"};
}

}  // namespace sprout::control
