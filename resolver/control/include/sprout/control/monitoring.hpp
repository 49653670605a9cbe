// The control thread's monitoring: counters to the stats store each minute, periodic reports,
// Prometheus metrics, the admin API and the block page, all off the query path.
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sprout/admin/admin_server.hpp"
#include "sprout/admin/block_page.hpp"
#include "sprout/control/domain_harvest.hpp"
#include "sprout/control/list_refresher.hpp"
#include "sprout/net/worker.hpp"
#include "sprout/stats/central_counts_reader.hpp"
#include "sprout/stats/central_writer.hpp"
#include "sprout/stats/minute_aggregator.hpp"
#include "sprout/stats/query_log.hpp"
#include "sprout/stats/report_command.hpp"
#include "sprout/stats/stats_store.hpp"
#include "sprout/core/json.hpp"

namespace sprout::control {

struct ControlCounters {
  std::uint64_t reloads = 0;
  std::uint64_t reload_failures = 0;
  // Restart-only keys changed since start (not applied), and what the last reload applied:
  // shown by /api/stats. Written and read on the control thread only.
  std::vector<std::string> pending_restart;
  std::vector<std::string> last_applied;
};

class Monitoring {
 public:
  using ReloadFn = std::function<admin::ReloadResult()>;
  using OverridesFn = std::function<void(config::Overrides)>;  // publishes a snapshot with them
  Monitoring(asio::io_context& control, const std::vector<std::unique_ptr<net::Worker>>& workers,
             core::SnapshotHolder& snapshots, ListRefresher& lists, const ControlCounters& control_counters,
             ReloadFn reload, OverridesFn apply_overrides);
  ~Monitoring();

  // Before the workers start: the query log, so that no query is answered unlogged.
  void attach(std::shared_ptr<const config::Config> cfg);
  // With the DNS listeners, before privileges are dropped (a port below 1024 needs root) and
  // before the ready file: the admin and block page listeners. Requests are served once the
  // control loop runs. Failures are logged, DNS goes on.
  void listen(const config::Config& cfg);
  // The ready file's lines for what listen() bound: "admin 127.0.0.1 8053", "blockpage ...".
  [[nodiscard]] const std::vector<std::string>& ready_lines() const noexcept { return ready_lines_; }
  // Once the workers run (the store's baseline reads them): the stats store and timers.
  // Failures are logged, DNS goes on.
  void start();
  // A reload applies every monitoring key that changed: query_log.* (a new QueryLog, the old
  // one retired once no worker can still be using it), stats.* and timezone (the store
  // reopened), reports.*, names for the aggregator and networks for report scopes. The
  // admin token needs nothing here: the admin server reads it from the snapshot per request.
  void use(std::shared_ptr<const config::Config> cfg);
  // Final flush at shutdown (loses nothing but what arrives after it).
  void stop();

  [[nodiscard]] std::string metrics_text() const;
  [[nodiscard]] std::string stats_json() const;
  // Identity options ignored, summed over the workers (by core::IgnoredOption).
  [[nodiscard]] std::array<std::uint64_t, core::kIgnoredOptions> ignored_options() const;
  // Lines after /health's verdict: each list still serving the bundled snapshot, with its age.
  [[nodiscard]] std::string health_notes() const;
  [[nodiscard]] std::uint16_t admin_port() const noexcept { return admin_ ? admin_->port() : 0; }

 private:
  void schedule_minute();
  void flush_minute(bool workers_running = true);
  // Each worker's counters and blocked-domain totals, as the aggregator diffs them.
  std::vector<stats::WorkerRead> read_workers(bool workers_running);
  void write_minute(const std::vector<stats::WorkerRead>& reads);
  void harvest_domains(bool workers_running);
  void hourly();
  admin::Handlers handlers();
  admin::ReportResult report(const admin::QueryParams& params);
  admin::ReportResult overview(const admin::QueryParams& params);  // monitoring_overview.cpp
  // This instance's minutes from the store in use into out; a central store that does not
  // answer in time is out["note"], only a failing SQLite store is an error.
  stats::Status overview_counts(std::int64_t from, std::int64_t to, core::Json& out);
  admin::ReportResult refresh(const admin::QueryParams& params);
  core::Json upstreams_json(const config::Config& cfg);
  admin::BlockInfo block_info(std::string_view host, std::string_view client) const;
  void use_stats(const config::Config* previous, const config::Config& cfg);
  void use_query_log(const config::Config* previous, const config::Config& cfg);
  void retire_query_log(std::shared_ptr<stats::QueryLog> old);
  void record_names();  // networks and categories of cfg_ for the aggregator and report scopes
  // The lists' states into the store: always when `force` (start, reload, stop), else when
  // they changed since the last record (checked each minute: refreshes show up at once).
  void record_lists(bool force);
  void open_central(const config::Config& cfg, const stats::StatsOptions& o);
  void run_periodic(std::int64_t now);

  asio::io_context& control_;
  const std::vector<std::unique_ptr<net::Worker>>& workers_;
  core::SnapshotHolder& snapshots_;
  ListRefresher& lists_;
  const ControlCounters& control_counters_;
  ReloadFn reload_;
  OverridesFn apply_overrides_;
  asio::steady_timer minute_timer_;
  std::shared_ptr<const config::Config> cfg_;  // what monitoring runs with (the last use())
  std::unique_ptr<stats::StatsStore> store_;      // stats.backend sqlite
  std::unique_ptr<stats::CentralWriter> central_; // stats.backend postgresql (its own thread)
  std::unique_ptr<stats::CentralCountsReader> central_counts_;  // the overview's reads (its own thread)
  stats::StatsOptions stats_options_;             // of whichever store is open
  std::vector<stats::ListStatusRow> recorded_lists_;
  std::unique_ptr<stats::MinuteAggregator> aggregator_;
  std::unique_ptr<stats::PeriodicReports> periodic_;
  // Opt-in. Workers read a plain pointer to it per query, so a replaced log is only freed
  // after every worker ran a handler posted after the swap (retire_query_log); until
  // then it is kept here too, so that stop() can flush what workers wrote into it last.
  std::shared_ptr<stats::QueryLog> query_log_;
  std::vector<std::shared_ptr<stats::QueryLog>> retired_logs_;
  std::unique_ptr<admin::AdminServer> admin_;
  std::unique_ptr<admin::BlockPageServer> blockpage_;
  std::vector<std::string> ready_lines_;
  int minutes_ = 0;
  // Running totals of each worker's blocked-domain tally (the workers' tables are emptied
  // at each harvest); the aggregator turns totals into per-minute counts.
  DomainHarvest domains_{std::chrono::milliseconds(500)};
  // Each upstream's (queries, failures) at the last overview: "down" means all failed since.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> upstream_seen_;
};

}  // namespace sprout::control
