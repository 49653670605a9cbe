// Monitoring: everything here runs on the control thread and only reads worker counters.
#include "sprout/control/monitoring.hpp"

#include <sstream>

#include "sprout/admin/metrics.hpp"
#include "sprout/blocklists/normalize.hpp"
#include "sprout/cache/packet_cache.hpp"
#include "sprout/time/time_zone.hpp"
#include "sprout/core/explain.hpp"
#include "sprout/core/log.hpp"
#include "sprout/stats/report.hpp"
#include "sprout/stats/report_render.hpp"

namespace sprout::control {
namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(core::process_clock().now().time_since_epoch()).count();
}

int utc_offset_minutes(const config::Config& cfg) {
  std::string error;
  const auto zone = cfg.timezone.empty() || cfg.timezone == "UTC" ? std::optional(time::TimeZone::utc())
                                                                 : time::TimeZone::load(cfg.timezone, error);
  if (!zone) return 0;
  return static_cast<int>(zone->utc_offset(core::process_clock().now()).count() / 60);
}

std::string in_state_dir(const config::Config& cfg, const std::string& configured, const char* name) {
  return configured.empty() ? cfg.state_dir + "/" + name : configured;
}

std::vector<std::string> network_names(const config::Config& cfg) {
  std::vector<std::string> out;
  for (const auto& n : cfg.networks) out.push_back(n.name);
  return out;
}

std::vector<std::string> category_names(const config::Config& cfg) {
  std::vector<std::string> out;
  for (const auto& c : cfg.categories) out.push_back(c.name);
  return out;
}

stats::PeriodicReportConfig periodic_config(const config::Config& cfg) {
  stats::PeriodicReportConfig p;
  for (auto period : cfg.reports.periods) {
    p.periods.push_back(period == config::ReportPeriod::daily    ? stats::ReportPeriod::daily
                        : period == config::ReportPeriod::weekly ? stats::ReportPeriod::weekly
                                                                 : stats::ReportPeriod::monthly);
  }
  p.directory = in_state_dir(cfg, cfg.reports.directory, "reports");
  p.formats.clear();
  for (const auto& f : cfg.reports.formats) {
    if (auto v = stats::parse_format(f)) p.formats.push_back(*v);
  }
  p.langs.clear();
  for (const auto& l : cfg.reports.languages) {
    if (auto v = stats::parse_lang(l)) p.langs.push_back(*v);
  }
  return p;
}

std::vector<stats::ListStatusRow> list_rows(const std::vector<blocklists::ListStatus>& lists) {
  std::vector<stats::ListStatusRow> rows;
  for (const auto& l : lists) {
    stats::ListStatusRow r{l.name, l.category, l.entries, 0, stats::ListState::ok};
    if (l.last_refresh) r.last_refresh = std::chrono::duration_cast<std::chrono::seconds>(l.last_refresh->time_since_epoch()).count();
    r.state = l.state == blocklists::ListState::ok ? stats::ListState::ok
              : l.state == blocklists::ListState::stale ? stats::ListState::stale : stats::ListState::failed;
    rows.push_back(std::move(r));
  }
  return rows;
}


stats::QueryLogOptions query_log_options(const config::Config& cfg) {
  stats::QueryLogOptions o;
  o.enabled = cfg.query_log.enabled;
  o.db_path = in_state_dir(cfg, cfg.query_log.database, "querylog.sqlite");
  o.retention_days = cfg.query_log.retention_days;
  o.opt_out_networks = {cfg.query_log.opt_out.begin(), cfg.query_log.opt_out.end()};
  o.utc_offset_minutes = utc_offset_minutes(cfg);
  return o;
}

}  // namespace

Monitoring::Monitoring(asio::io_context& control, const std::vector<std::unique_ptr<net::Worker>>& workers,
                       core::SnapshotHolder& snapshots, ListRefresher& lists, const ControlCounters& control_counters,
                       ReloadFn reload)
    : control_(control), workers_(workers), snapshots_(snapshots), lists_(lists),
      control_counters_(control_counters), reload_(std::move(reload)), minute_timer_(control) {}

Monitoring::~Monitoring() { minute_timer_.cancel(); }

void Monitoring::start(const config::Config& cfg) {
  if (cfg.stats.enabled) {
    stats::StatsOptions o{in_state_dir(cfg, cfg.stats.database, "stats.sqlite"), cfg.stats.retention_days,
                          cfg.stats.threshold, utc_offset_minutes(cfg)};
    store_ = std::make_unique<stats::StatsStore>(o);
    if (auto s = store_->open(); !s.ok) core::log::error("stats store: ", s.error, " (DNS service continues)");
    aggregator_ = std::make_unique<stats::MinuteAggregator>(network_names(cfg), category_names(cfg), o.utc_offset_minutes);
    if (!cfg.reports.periods.empty()) periodic_ = std::make_unique<stats::PeriodicReports>(periodic_config(cfg), o);
    use(cfg);
    flush_minute();  // the baseline: counts from here on
  }
  start_query_log(cfg);
  if (store_ || query_log_) schedule_minute();
  start_http(cfg);
}

void Monitoring::start_query_log(const config::Config& cfg) {
  if (!cfg.query_log.enabled) return;
  query_log_ = std::make_unique<stats::QueryLog>(query_log_options(cfg));
  if (auto s = query_log_->open(); !s.ok) {
    core::log::error("query log: ", s.error, " (DNS service continues, nothing is logged)");
    query_log_.reset();
    return;
  }
  for (const auto& w : workers_) w->set_query_log(query_log_.get());
  core::log::info("query log on: client addresses pseudonymized (daily key), kept ", cfg.query_log.retention_days, " days");
}

void Monitoring::use(const config::Config& cfg) {
  if (aggregator_) aggregator_->set_names(network_names(cfg), category_names(cfg));
  if (store_) {
    if (auto s = store_->record_networks(stats::networks_from_config(cfg)); !s.ok) core::log::error("stats store: ", s.error);
  }
}

void Monitoring::stop() {
  minute_timer_.cancel();
  flush_minute(false);
  if (query_log_) {
    for (const auto& w : workers_) w->set_query_log(nullptr);  // workers have stopped; be tidy
    (void)query_log_->flush();
  }
  admin_.reset();
  blockpage_.reset();
}

void Monitoring::schedule_minute() {
  minute_timer_.expires_after(std::chrono::seconds(60));
  minute_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    flush_minute();
    if (++minutes_ % 60 == 0) hourly();
    schedule_minute();
  });
}

void Monitoring::harvest_domains(bool workers_running) {
  domain_totals_.resize(workers_.size());
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    std::vector<core::QueryCounters::DomainCount> taken;
    if (!workers_running) {
      taken = workers_[i]->take_blocked_domains();
    } else if (auto f = workers_[i]->harvest_blocked_domains(); f.wait_for(std::chrono::milliseconds(500)) == std::future_status::ready) {
      taken = f.get();
    }  // a worker that does not answer in time is harvested next minute
    for (const auto& d : taken) domain_totals_[i][{d.domain, d.category}] += d.count;
  }
}

void Monitoring::flush_minute(bool workers_running) {
  if (query_log_) {
    if (auto s = query_log_->flush(); !s.ok) core::log::error("query log: ", s.error);
  }
  if (!store_ || !aggregator_) return;
  harvest_domains(workers_running);
  std::vector<stats::WorkerRead> reads;
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    stats::WorkerRead r{workers_[i]->query_counters().cells(), {}};
    for (const auto& [key, count] : domain_totals_[i]) r.blocked_domains.push_back({key.first, key.second, count});
    reads.push_back(std::move(r));
  }
  const stats::MinuteBatch batch = aggregator_->collect(unix_now(), reads);
  if (batch.empty()) return;
  // A broken database keeps batches in memory and retries; DNS is never affected.
  if (auto s = store_->flush(batch); !s.ok) core::log::error("stats store: ", s.error);
}

void Monitoring::hourly() {
  const std::int64_t now = unix_now();
  if (query_log_) {
    if (auto s = query_log_->enforce_retention(now); !s.ok) core::log::error("query log retention: ", s.error);
  }
  if (!store_) return;
  if (auto s = store_->enforce_retention(now); !s.ok) core::log::error("stats retention: ", s.error);
  if (auto s = store_->record_lists(list_rows(lists_.statuses())); !s.ok) core::log::error("stats store: ", s.error);
  if (periodic_) {
    std::vector<std::string> written;
    if (auto s = periodic_->run(now, *store_, &written); !s.ok) core::log::error("periodic report: ", s.error);
    for (const auto& f : written) core::log::info("report written: ", f);
  }
}

}  // namespace sprout::control
