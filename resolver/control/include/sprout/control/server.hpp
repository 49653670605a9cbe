// The control side of `sproutdns serve`: config, sockets, workers, signals and reloads.
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sprout/config/config.hpp"
#include "sprout/control/list_refresher.hpp"
#include "sprout/control/zone_follower.hpp"
#include "sprout/control/monitoring.hpp"
#include "sprout/control/systemd_notify.hpp"
#include "sprout/core/snapshot.hpp"
#include "sprout/net/tls_context.hpp"

namespace sprout::control {

struct CertificateStamp {
  std::filesystem::file_time_type certificate, key;
  bool operator==(const CertificateStamp&) const = default;
};
CertificateStamp certificate_stamp(const config::Tls& tls);

struct ServeOptions {
  std::string config_path;  // empty: the embedded default
  std::string ready_file;   // written once every listener is bound
  std::string user;         // run as this user after binding when started as root
};

class Server {
 public:
  explicit Server(ServeOptions options);
  // Runs until SIGTERM/SIGINT; returns the process exit code.
  int run();

 private:
  std::shared_ptr<config::Config> load(std::string* why = nullptr) const;  // nullptr after logging every error
  admin::ReloadResult reload();
  void apply_overrides(config::Overrides overrides);  // the dashboard changed them: a new snapshot
  void publish_snapshot(const std::shared_ptr<const config::Config>& cfg);  // from what is on disk
  bool start(const std::shared_ptr<config::Config>& cfg);  // lists, sockets, workers, monitoring
  void stop();
  void feed_watchdog();  // WATCHDOG=1 only while every worker answered the last ping
  void watch_leases();  // re-reads dhcp_leases and the certificate every 2 s when they changed
  bool load_certificate(const config::Config& cfg, bool starting);  // false: logged why

  ServeOptions options_;
  boost::asio::io_context control_;  // signals, reloads, list refresh results
  core::SnapshotHolder snapshots_;
  ListRefresher refresher_{control_, snapshots_};
  std::unique_ptr<ZoneFollower> zones_;  // lists by zone transfer; created once privileges are dropped
  std::shared_ptr<const config::Config> started_;  // what sockets, workers and state_dir were set up with
  std::shared_ptr<const config::Config> running_;  // the last config applied (restart-only keys as started)
  std::shared_ptr<cache::PacketCache> cache_;  // outlives snapshots: reloads keep it warm
  net::TlsContextStore tls_;                   // DoT/DoH certificate; outlives the workers
  CertificateStamp cert_stamp_;                // the files' times when last loaded
  SystemdNotifier notifier_;
  boost::asio::steady_timer watchdog_timer_{control_};
  // One per worker: the watchdog round the worker's io_context last answered. Declared
  // before workers_: a ping still queued in a worker never outlives its counter.
  std::vector<std::unique_ptr<std::atomic<std::uint64_t>>> pongs_;
  std::uint64_t round_ = 0;
  std::vector<std::unique_ptr<net::Worker>> workers_;
  ControlCounters control_counters_;
  std::unique_ptr<Monitoring> monitoring_;
  boost::asio::steady_timer leases_timer_{control_};
};

}  // namespace sprout::control
