// Monitoring: everything here runs on the control thread and only reads worker counters.
#include "sprout/control/monitoring.hpp"

#include <boost/asio/post.hpp>
#include <algorithm>
#include <atomic>
#include <sstream>

#include "sprout/admin/metrics.hpp"
#include "sprout/blocklists/normalize.hpp"
#include "sprout/cache/packet_cache.hpp"
#include "sprout/config/reload_kind.hpp"
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

// The counters' rows: networks, then device label groups (core::report_units).
std::vector<std::string> network_names(const config::Config& cfg) {
  std::vector<std::string> out;
  for (auto& u : core::report_units(cfg)) out.push_back(std::move(u.name));
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
              : l.state == blocklists::ListState::stale || l.state == blocklists::ListState::bundled ? stats::ListState::stale
                                                                                                   : stats::ListState::failed;
    rows.push_back(std::move(r));
  }
  return rows;
}


stats::StatsOptions stats_options(const config::Config& cfg) {
  stats::StatsOptions o;
  if (auto s = stats::options_from_config(cfg, utc_offset_minutes(cfg), o); !s) core::log::error("stats: ", s.error);
  return o;
}

bool same_lists(const std::vector<stats::ListStatusRow>& a, const std::vector<stats::ListStatusRow>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.name == y.name && x.entries == y.entries && x.last_refresh == y.last_refresh && x.state == y.state;
  });
}

std::int64_t minute_of(std::int64_t t) { return t - t % 60; }

// True when `changes` holds `key` or one of its sub-keys ("stats" covers "stats.threshold").
bool touched(const std::vector<config::KeyChange>& changes, std::string_view key) {
  return std::any_of(changes.begin(), changes.end(), [key](const config::KeyChange& c) {
    return c.path == key || (c.path.size() > key.size() && c.path.starts_with(key) && c.path[key.size()] == '.');
  });
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
                       ReloadFn reload, OverridesFn apply_overrides)
    : control_(control), workers_(workers), snapshots_(snapshots), lists_(lists),
      control_counters_(control_counters), reload_(std::move(reload)), apply_overrides_(std::move(apply_overrides)),
      minute_timer_(control) {}

Monitoring::~Monitoring() { minute_timer_.cancel(); }

void Monitoring::attach(std::shared_ptr<const config::Config> cfg) {
  cfg_ = std::move(cfg);
  use_query_log(nullptr, *cfg_);
}

void Monitoring::start() {
  use_stats(nullptr, *cfg_);
  record_names();
  record_lists(true);
  schedule_minute();  // always: a reload may turn the stats store or the query log on
}

void Monitoring::use(std::shared_ptr<const config::Config> cfg) {
  const std::shared_ptr<const config::Config> previous = std::move(cfg_);
  cfg_ = std::move(cfg);
  use_stats(previous.get(), *cfg_);
  use_query_log(previous.get(), *cfg_);
  record_names();
  record_lists(true);
}

void Monitoring::record_names() {
  if (aggregator_) aggregator_->set_names(network_names(*cfg_), category_names(*cfg_));
  if (store_) {
    if (auto s = store_->record_networks(stats::networks_from_config(*cfg_)); !s.ok) core::log::error("stats store: ", s.error);
  }
  if (central_) central_->submit_units(stats::networks_from_config(*cfg_));
}

void Monitoring::record_lists(bool force) {
  if (!store_ && !central_) return;
  std::vector<stats::ListStatusRow> rows = list_rows(lists_.statuses());
  if (!force && same_lists(rows, recorded_lists_)) return;
  if (store_) {
    if (auto s = store_->record_lists(rows); !s.ok) core::log::error("stats store: ", s.error);
  }
  if (central_) central_->submit_lists(unix_now(), rows);
  recorded_lists_ = std::move(rows);
}

void Monitoring::open_central(const config::Config& cfg, const stats::StatsOptions& o) {
  stats::CentralWriterOptions w;
  w.store = o;
  w.instance = cfg.instance.name;
  w.labels = cfg.instance.labels;
  w.spool_path = in_state_dir(cfg, cfg.stats.postgresql.spool, "stats-spool.sqlite");
  w.spool_max = static_cast<std::size_t>(cfg.stats.postgresql.spool_max);
  w.report_role = cfg.stats.postgresql.report_role;
  central_ = std::make_unique<stats::CentralWriter>(std::move(w));
  central_->start();
  central_counts_ = std::make_unique<stats::CentralCountsReader>(o, cfg.instance.name);
}

void Monitoring::use_stats(const config::Config* previous, const config::Config& cfg) {
  const auto changes = previous ? config::changed_keys(*previous, cfg) : std::vector<config::KeyChange>{};
  // Where days start and where the store lives are options of the store: reopen it.
  const bool reopen = previous == nullptr || touched(changes, "stats") || touched(changes, "timezone") ||
                      touched(changes, "state_dir");
  if (reopen) {
    // One read of the workers closes the old store's minute and is the new aggregator's
    // baseline: nothing is counted twice, nothing is lost.
    std::vector<stats::WorkerRead> reads;
    if (store_ || central_ || cfg.stats.enabled) reads = read_workers(true);
    if ((store_ || central_) && aggregator_) write_minute(reads);
    if (store_ && store_->pending_batches() > 0) {
      core::log::warn("stats store: ", store_->pending_batches(), " unwritten minutes dropped by the reload");
    }
    periodic_.reset();
    aggregator_.reset();
    store_.reset();
    if (central_) central_->stop();  // what PostgreSQL did not get stays spooled for the next writer
    central_.reset();
    central_counts_.reset();
    recorded_lists_.clear();
    if (cfg.stats.enabled) {
      const stats::StatsOptions o = stats_options(cfg);
      stats_options_ = o;
      if (cfg.stats.backend == config::StatsBackend::postgresql) {
        open_central(cfg, o);
      } else {
        store_ = std::make_unique<stats::StatsStore>(o);
        if (auto s = store_->open(); !s.ok) core::log::error("stats store: ", s.error, " (DNS service continues)");
      }
      aggregator_ = std::make_unique<stats::MinuteAggregator>(network_names(cfg), category_names(cfg), o.utc_offset_minutes);
      const stats::MinuteBatch first = aggregator_->collect(unix_now(), reads);
      // At start these are the workers' first queries; after a reload the old store has them.
      if (previous == nullptr && !first.empty()) {
        if (store_) {
          if (auto s = store_->flush(first); !s.ok) core::log::error("stats store: ", s.error);
        }
        if (central_) central_->submit(first);
      }
      if (central_) {
        core::log::info("stats: PostgreSQL as instance '", cfg.instance.name, "', spool ", central_->options().spool_path);
      } else if (previous != nullptr) {
        core::log::info("stats: ", o.db_path, ", ", o.retention_days, " days, threshold ", o.report_threshold,
                        ", UTC offset ", o.utc_offset_minutes, " min");
      }
    } else if (previous != nullptr && previous->stats.enabled) {
      core::log::info("stats: off");
    }
  }
  if (reopen || touched(changes, "reports")) {
    periodic_.reset();
    if ((store_ || central_) && !cfg.reports.periods.empty()) {
      periodic_ = std::make_unique<stats::PeriodicReports>(periodic_config(cfg), stats_options_);
    }
  }
}

void Monitoring::use_query_log(const config::Config* previous, const config::Config& cfg) {
  if (previous != nullptr) {
    const auto changes = config::changed_keys(*previous, cfg);
    if (!touched(changes, "query_log") && !touched(changes, "timezone") && !touched(changes, "state_dir")) return;
  }
  // Options are fixed per QueryLog, so a change builds a new one (with a new pseudonym
  // key, as a restart would). If it cannot open, nothing is logged: never log against
  // settings (an opt-out) that are no longer the configured ones.
  std::shared_ptr<stats::QueryLog> next;
  if (cfg.query_log.enabled) {
    next = std::make_shared<stats::QueryLog>(query_log_options(cfg));
    if (auto s = next->open(); !s.ok) {
      core::log::error("query log: ", s.error, " (DNS service continues, nothing is logged)");
      next.reset();
    }
  }
  for (const auto& w : workers_) w->set_query_log(next.get());
  if (auto old = std::exchange(query_log_, next)) retire_query_log(std::move(old));
  if (next) {
    std::string opt_out;
    for (const auto& n : cfg.query_log.opt_out) opt_out += (opt_out.empty() ? "" : ", ") + n;
    core::log::info("query log on: client addresses pseudonymized (daily key), kept ", cfg.query_log.retention_days,
                    " days", opt_out.empty() ? "" : "; not logged: " + opt_out);
  } else if (previous != nullptr && previous->query_log.enabled) {
    core::log::info("query log off");
  }
}

void Monitoring::retire_query_log(std::shared_ptr<stats::QueryLog> old) {
  // A worker may be inside old->record() right now, through the pointer it loaded before
  // the swap. A handler posted to a worker runs after that call returned, so once every
  // worker ran one, nothing can reach the old log: the control thread flushes and frees it.
  stats::QueryLog* raw = old.get();
  retired_logs_.push_back(std::move(old));
  auto finish = [this, raw] {
    const auto it = std::find_if(retired_logs_.begin(), retired_logs_.end(), [raw](const auto& l) { return l.get() == raw; });
    if (it == retired_logs_.end()) return;  // stop() got there first
    if (auto s = (*it)->flush(); !s.ok) core::log::error("query log: ", s.error);
    retired_logs_.erase(it);
  };
  if (workers_.empty()) return finish();
  auto left = std::make_shared<std::atomic<std::size_t>>(workers_.size());
  for (const auto& w : workers_) {
    // Workers stop before monitoring does, and the control loop is not run after that, so
    // `this` is alive whenever `finish` runs.
    asio::post(w->io(), [this, left, finish] {
      if (left->fetch_sub(1) == 1) asio::post(control_, finish);
    });
  }
}

void Monitoring::stop() {
  minute_timer_.cancel();
  flush_minute(false);
  record_lists(true);
  if (central_) central_->stop();
  central_counts_.reset();
  for (const auto& w : workers_) w->set_query_log(nullptr);  // workers have stopped; be tidy
  if (query_log_) (void)query_log_->flush();
  for (const auto& l : retired_logs_) (void)l->flush();  // what workers wrote before a reload swapped it
  retired_logs_.clear();
  admin_.reset();
  blockpage_.reset();
}

void Monitoring::schedule_minute() {
  minute_timer_.expires_after(std::chrono::seconds(60));
  minute_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    flush_minute();
    record_lists(false);
    if (++minutes_ % 60 == 0) hourly();
    schedule_minute();
  });
}

void Monitoring::harvest_domains(bool workers_running) {
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    net::Worker& w = *workers_[i];
    if (workers_running) domains_.harvest(i, [&w] { return w.harvest_blocked_domains(); });
    else domains_.harvest_stopped(i, [&w] { return w.take_blocked_domains(); });
  }
}

std::vector<stats::WorkerRead> Monitoring::read_workers(bool workers_running) {
  harvest_domains(workers_running);
  std::vector<stats::WorkerRead> reads;
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    reads.push_back({workers_[i]->query_counters().cells(), domains_.totals(i)});
  }
  return reads;
}

void Monitoring::write_minute(const std::vector<stats::WorkerRead>& reads) {
  stats::MinuteBatch batch = aggregator_->collect(unix_now(), reads);
  if (central_) {
    // Sent even when empty: the central store's coverage counts the minutes an instance
    // was alive, so a quiet school is told apart from a silent district.
    if (batch.minute == 0) batch.minute = minute_of(unix_now());
    central_->submit(std::move(batch));
    return;
  }
  if (batch.empty()) return;
  // A broken database keeps batches in memory and retries; DNS is never affected.
  if (auto s = store_->flush(batch); !s.ok) core::log::error("stats store: ", s.error);
}

void Monitoring::flush_minute(bool workers_running) {
  if (query_log_) {
    if (auto s = query_log_->flush(); !s.ok) core::log::error("query log: ", s.error);
  }
  if ((!store_ && !central_) || !aggregator_) return;
  write_minute(read_workers(workers_running));
}

void Monitoring::hourly() {
  const std::int64_t now = unix_now();
  if (query_log_) {
    if (auto s = query_log_->enforce_retention(now); !s.ok) core::log::error("query log retention: ", s.error);
  }
  if (central_) central_->submit_retention(now);
  if (store_) {
    if (auto s = store_->enforce_retention(now); !s.ok) core::log::error("stats retention: ", s.error);
  }
  record_lists(true);  // the hour's heartbeat: a report sees the lists were still watched
  run_periodic(now);
}

void Monitoring::run_periodic(std::int64_t now) {
  if (!periodic_) return;
  std::vector<std::string> written;
  stats::Status s;
  if (store_) {
    s = periodic_->run(now, *store_, &written);
  } else if (central_) {
    // Across the fleet, as `sproutdns report` against PostgreSQL would say.
    stats::CentralStore reader(stats_options_);
    s = reader.open_reader();
    if (s) s = periodic_->run(now, reader, &written);
  }
  if (!s.ok) core::log::error("periodic report: ", s.error);
  for (const auto& f : written) core::log::info("report written: ", f);
}

}  // namespace sprout::control
