// The control thread's monitoring: counters to the stats store each minute, periodic reports,
// Prometheus metrics, the admin API and the block page, all off the query path.
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "sprout/admin/admin_server.hpp"
#include "sprout/admin/block_page.hpp"
#include "sprout/control/list_refresher.hpp"
#include "sprout/net/worker.hpp"
#include "sprout/stats/minute_aggregator.hpp"
#include "sprout/stats/query_log.hpp"
#include "sprout/stats/report_command.hpp"
#include "sprout/stats/stats_store.hpp"

namespace sprout::control {

struct ControlCounters {
  std::uint64_t reloads = 0;
  std::uint64_t reload_failures = 0;
};

class Monitoring {
 public:
  using ReloadFn = std::function<admin::ReloadResult()>;
  Monitoring(asio::io_context& control, const std::vector<std::unique_ptr<net::Worker>>& workers,
             core::SnapshotHolder& snapshots, ListRefresher& lists, const ControlCounters& control_counters,
             ReloadFn reload);
  ~Monitoring();

  // Opens the store and the HTTP servers for `cfg`; failures are logged, DNS goes on.
  void start(const config::Config& cfg);
  // A reload: new names for the aggregator, networks for report scopes.
  void use(const config::Config& cfg);
  // Final flush at shutdown (loses nothing but what arrives after it).
  void stop();

  [[nodiscard]] std::string metrics_text() const;
  [[nodiscard]] std::string stats_json() const;
  [[nodiscard]] std::uint16_t admin_port() const noexcept { return admin_ ? admin_->port() : 0; }

 private:
  void schedule_minute();
  void flush_minute(bool workers_running = true);
  void harvest_domains(bool workers_running);
  void hourly();
  admin::Handlers handlers();
  admin::ReportResult report(const admin::QueryParams& params);
  admin::BlockInfo block_info(std::string_view host, std::string_view client) const;
  void start_http(const config::Config& cfg);
  void start_query_log(const config::Config& cfg);

  asio::io_context& control_;
  const std::vector<std::unique_ptr<net::Worker>>& workers_;
  core::SnapshotHolder& snapshots_;
  ListRefresher& lists_;
  const ControlCounters& control_counters_;
  ReloadFn reload_;
  asio::steady_timer minute_timer_;
  std::unique_ptr<stats::StatsStore> store_;
  std::unique_ptr<stats::MinuteAggregator> aggregator_;
  std::unique_ptr<stats::PeriodicReports> periodic_;
  std::unique_ptr<stats::QueryLog> query_log_;  // opt-in; workers hold a plain pointer to it
  std::unique_ptr<admin::AdminServer> admin_;
  std::unique_ptr<admin::BlockPageServer> blockpage_;
  int minutes_ = 0;
  // Running totals of each worker's blocked-domain tally (the workers' tables are emptied
  // at each harvest); the aggregator turns totals into per-minute counts.
  std::vector<std::map<std::pair<std::string, std::int16_t>, std::uint64_t>> domain_totals_;
};

}  // namespace sprout::control
