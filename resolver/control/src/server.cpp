// Control thread: owns signals and reloads; workers only ever see complete snapshots.
#include "sprout/control/server.hpp"

#include <utility>  // before Asio: Boost 1.74 needs it

#include <ares.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "sprout/cache/packet_cache.hpp"
#include "sprout/config/loader.hpp"
#include "sprout/config/reload_kind.hpp"
#include "sprout/net/listen_sockets.hpp"
#include "sprout/net/worker.hpp"
#include "sprout/core/log.hpp"
#include "dashboard_http.hpp"

namespace sprout::control {
namespace {

void write_ready_file(const std::string& path, const net::BoundSockets& sockets, const std::vector<std::string>& more) {
  if (path.empty()) return;
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    for (const auto& e : sockets.endpoints) {
      out << "udp " << e.address.to_string() << ' ' << e.port << '\n';
      out << "tcp " << e.address.to_string() << ' ' << e.port << '\n';
    }
    for (const auto& e : sockets.dot) out << "dot " << e.address.to_string() << ' ' << e.port << '\n';
    for (const auto& e : sockets.doh) out << "doh " << e.address.to_string() << ' ' << e.port << '\n';
    for (const auto& line : more) out << line << '\n';
  }
  std::rename(tmp.c_str(), path.c_str());  // atomic: readers never see half a file
}

// Secure default: a resolver started as root keeps only its bound sockets, not root.
bool drop_privileges(const std::string& user, const std::string& state_dir) {
  if (::geteuid() != 0 || user == "root") return true;
  const passwd* pw = ::getpwnam(user.c_str());
  if (pw == nullptr) {
    core::log::error("cannot drop privileges: unknown user '", user, "'");
    return false;
  }
  ::mkdir(state_dir.c_str(), 0750);
  // The state dir and what root put there (last-good lists written before the drop) must
  // stay writable for the user we become.
  std::error_code ec;
  bool ok = ::chown(state_dir.c_str(), pw->pw_uid, pw->pw_gid) == 0;
  for (auto it = std::filesystem::recursive_directory_iterator(state_dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    ok = ::lchown(it->path().c_str(), pw->pw_uid, pw->pw_gid) == 0 && ok;
  }
  if (!ok) core::log::warn("cannot give ", state_dir, " to ", user, ": list downloads and stats may fail");
  if (::setgroups(0, nullptr) != 0 || ::setgid(pw->pw_gid) != 0 || ::setuid(pw->pw_uid) != 0) {
    core::log::error("cannot drop privileges to '", user, "'");
    return false;
  }
  core::log::info("running as user ", user);
  return true;
}

std::size_t worker_count(const config::Config& cfg) {
  if (cfg.workers > 0) return static_cast<std::size_t>(cfg.workers);
  return std::max(1u, std::thread::hardware_concurrency());
}

// Restart-only keys keep the values the process was started with, so the running config
// says what actually runs (ports, workers, state_dir for lists, stats and the query log).
void keep_started_values(config::Config& next, const config::Config& started) {
  next.listen = started.listen;
  next.workers = started.workers;
  next.state_dir = started.state_dir;
  next.admin.enabled = started.admin.enabled;
  next.admin.listen = started.admin.listen;
  next.blockpage.listen = started.blockpage.listen;
  next.dot = started.dot;
  next.doh = started.doh;
}

std::string join(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "" : ", ") + k;
  return out;
}

struct KeyReport {
  std::vector<std::string> applied;  // changed since the last reload, applied by this one
  std::vector<std::string> pending;  // restart-only, changed since start, not applied
};

// Sorts what changed and pins the restart-only keys of `next` to their started values.
// Restart keys are compared with the start, so they stay listed until a restart.
KeyReport classify(const config::Config& running, const config::Config& started, config::Config& next) {
  KeyReport r;
  for (const auto& c : config::changed_keys(running, next)) {
    if (c.kind == config::ReloadKind::snapshot) r.applied.push_back(c.path);
  }
  r.pending = config::restart_keys(config::changed_keys(started, next));
  keep_started_values(next, started);
  if (const auto missed = config::restart_keys(config::changed_keys(started, next)); !missed.empty()) {
    // A key made restart-only in reload_kind.cpp needs a line in keep_started_values.
    core::log::error("reload: restart-only keys not kept at their started values: ", join(missed));
  }
  return r;
}

}  // namespace

// The certificate and key files' modification times (through symlinks: certbot's live/ links
// move to new archive/ files on renewal); a file that cannot be read counts as unchanged.
CertificateStamp certificate_stamp(const config::Tls& tls) {
  std::error_code ec;
  CertificateStamp s;
  s.certificate = std::filesystem::last_write_time(tls.certificate, ec);
  s.key = std::filesystem::last_write_time(tls.key, ec);
  return s;
}

namespace {

std::shared_ptr<cache::PacketCache> make_cache(const config::Config& cfg) {
  cache::CacheOptions o;
  o.max_entries = cfg.cache.max_entries;
  o.min_ttl = cfg.cache.min_ttl;
  o.max_ttl = cfg.cache.max_ttl;
  o.negative_ttl = cfg.cache.negative_ttl;
  o.serve_stale = cfg.cache.serve_stale;
  o.stale_answer_ttl = cfg.cache.stale_answer_ttl;
  o.stale_max_age = cfg.cache.stale_max_age;
  o.prefetch = cfg.cache.prefetch;
  o.shards = 2 * worker_count(cfg) * 4;  // enough that workers rarely meet on a shard lock
  return std::make_shared<cache::PacketCache>(o);
}

}  // namespace

Server::Server(ServeOptions options) : options_(std::move(options)) {}

std::shared_ptr<config::Config> Server::load(std::string* why) const {
  std::shared_ptr<config::Config> cfg;
  if (options_.config_path.empty()) {
    cfg = std::make_shared<config::Config>(config::embedded_default());
  } else {
    config::LoadResult r = config::load_file(options_.config_path);
    for (const auto& e : r.errors) core::log::error(e.to_string());
    if (!r.config) {
      if (why != nullptr && !r.errors.empty()) *why = r.errors.front().to_string() + (r.errors.size() > 1 ? " (and more, see the log)" : "");
      return nullptr;
    }
    cfg = std::make_shared<config::Config>(std::move(*r.config));
  }
  // The dashboard's overrides layer on the YAML; a file that no longer fits it (a profile
  // renamed in the YAML) is not applied, each error located in it.
  for (const auto& e : config::layer_overrides(*cfg)) core::log::error(e.to_string(), " (overrides not applied)");
  if (cfg->upstreams.empty()) cfg->upstreams = config::upstreams_from_resolv_conf();
  if (cfg->upstreams.empty()) {
    core::log::error(cfg->source, ": no upstreams configured and none found in /etc/resolv.conf");
    return nullptr;
  }
  return cfg;
}

// The watchdog is fed from the control thread, but only when every worker's io_context ran
// the ping posted last round: a worker stuck in a handler (deaf: its sockets are no longer
// read) stops the feed, and systemd restarts the service (WatchdogSec= in the unit).
void Server::feed_watchdog() {
  const auto interval = notifier_.watchdog();
  if (!interval) return;
  std::size_t deaf = 0;
  for (const auto& p : pongs_) deaf += p->load(std::memory_order_acquire) == round_ ? 0 : 1;
  if (deaf == 0) {
    notifier_.notify("WATCHDOG=1");
  } else {
    core::log::error(deaf, " worker(s) did not answer within ", interval->count() / 2000, " ms: not feeding the watchdog");
  }
  ++round_;
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    asio::post(workers_[i]->io(), [pong = pongs_[i].get(), round = round_] { pong->store(round, std::memory_order_release); });
  }
  watchdog_timer_.expires_after(*interval / 2);
  watchdog_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) feed_watchdog();
  });
}

admin::ReloadResult Server::reload() {
  notifier_.notify("RELOADING=1");
  // READY again whatever the outcome: a refused config leaves the running one serving.
  struct Ready {
    const SystemdNotifier& n;
    ~Ready() { n.notify("READY=1"); }
  } ready{notifier_};
  std::string why = "no upstreams";
  auto cfg = load(&why);
  if (!cfg) {
    ++control_counters_.reload_failures;
    core::log::error("reload failed: keeping the running configuration (generation ", snapshots_.generation(), ")");
    return {false, "reload failed, running configuration kept: " + why};
  }
  KeyReport keys = classify(*running_, *started_, *cfg);
  load_certificate(*cfg, false);  // certbot renewed it, or tls changed: a bad one keeps the old
  core::log::set_level(cfg->logging.level);
  // A changed cache section gets a new, empty cache; otherwise the warm one carries over.
  if (!(cfg->cache == running_->cache)) {
    cache_ = make_cache(*cfg);
    refresher_.set_cache(cache_);
  }
  // Monitoring first: a query answered under the new snapshot is never logged under an
  // opt-out list that was just changed.
  if (monitoring_) monitoring_->use(cfg);
  publish_snapshot(cfg);
  running_ = cfg;
  refresher_.use(cfg);
  refresher_.refresh_now();
  if (zones_) zones_->use(cfg);
  ++control_counters_.reloads;
  // One line naming every key applied and, apart, every changed key that was not.
  std::string message = "reloaded " + cfg->source + " (generation " + std::to_string(snapshots_.generation()) +
                        "); applied: " + (keys.applied.empty() ? "nothing (lists checked for changes)" : join(keys.applied));
  if (!keys.pending.empty()) {
    message += "; " + join(keys.pending) + (keys.pending.size() == 1 ? " needs" : " need") + " a restart (not applied)";
  }
  core::log::emit(keys.pending.empty() ? config::LogLevel::info : config::LogLevel::warn, message);
  control_counters_.pending_restart = std::move(keys.pending);
  control_counters_.last_applied = std::move(keys.applied);
  release_one_off_pages("a reload");
  return {true, message};
}

// A snapshot of `cfg` from the lists on disk (no download), the cache and the previous
// snapshot's pieces; the list states it found go to the refresher.
void Server::publish_snapshot(const std::shared_ptr<const config::Config>& cfg) {
  std::vector<blocklists::ListStatus> statuses;
  snapshots_.publish(build_snapshot(cfg, false, &statuses, cache_, snapshots_.load().get()));
  refresher_.set_statuses(std::move(statuses));
}

// The running config with other overrides, as a new snapshot: lists, cache and everything
// else carry over (nothing is re-read but the index of what changed, which is nothing).
void Server::apply_overrides(config::Overrides overrides) {
  auto cfg = std::make_shared<config::Config>(*running_);
  cfg->overrides = std::move(overrides);
  if (monitoring_) monitoring_->use(cfg);
  publish_snapshot(cfg);
  running_ = cfg;
  refresher_.use(cfg);
  core::log::info("overrides applied (generation ", snapshots_.generation(), ")");
}

bool Server::start(const std::shared_ptr<config::Config>& cfg) {
  core::log::set_level(cfg->logging.level);
  if (const std::string why = admin_bind_problem(*cfg); !why.empty()) {
    core::log::error(why);
    return false;
  }
  started_ = cfg;
  running_ = cfg;
  cache_ = make_cache(*cfg);
  refresher_.set_cache(cache_);
  // Fast start: files and last-good copies now, downloads in the background afterwards.
  publish_snapshot(cfg);
  const std::size_t n = worker_count(*cfg);
  net::BoundSockets sockets;
  try {
    sockets = net::bind_listeners(cfg->listen, n);
    net::bind_encrypted_listeners(*cfg, sockets);
  } catch (const std::exception& e) {
    net::close_sockets(sockets);
    core::log::error(e.what());
    return false;
  }
  if (!load_certificate(*cfg, true)) {
    net::close_sockets(sockets);
    return false;
  }
  std::error_code ignored;
  std::filesystem::create_directories(cfg->state_dir, ignored);  // lists, stats, reports live here
  monitoring_ = std::make_unique<Monitoring>(control_, workers_, snapshots_, refresher_, control_counters_,
                                             [this] { return reload(); },
                                             [this](config::Overrides o) { apply_overrides(std::move(o)); });
  monitoring_->listen(*cfg);
  // Every listener is bound (DNS, DoT/DoH, admin, block page) and the lists are loaded: what
  // connects now is queued by the kernel until the workers and the control loop run.
  write_ready_file(options_.ready_file, sockets, monitoring_->ready_lines());
  // Everything that needs root (binding) is done: from here on, never root again.
  if (!drop_privileges(options_.user, cfg->state_dir)) return false;
  ares_library_init(ARES_LIB_INIT_ALL);
  // Transfers write the last-good copies: as the service user, so never before this point.
  zones_ = std::make_unique<ZoneFollower>(control_, refresher_);
  for (std::size_t i = 0; i < n; ++i) {
    pongs_.push_back(std::make_unique<std::atomic<std::uint64_t>>(0));
    workers_.push_back(std::make_unique<net::Worker>(i, snapshots_, sockets.per_worker[i], &tls_));
    workers_.back()->driver().set_notify(zones_.get());
  }
  monitoring_->attach(cfg);  // the query log, before any worker answers (the ready file is out)
  for (auto& w : workers_) w->start();
  snapshots_.on_publish([this] {
    for (auto& w : workers_) w->refresh_snapshot();
  });
  monitoring_->start();
  for (const auto& e : sockets.endpoints) core::log::info("listening on ", e.to_string(), " (udp, tcp)");
  for (const auto& e : sockets.dot) core::log::info("listening on ", e.to_string(), " (dot)");
  for (const auto& e : sockets.doh) core::log::info("listening on ", e.to_string(), " (doh)");
  core::log::info("started: ", n, " workers, ", cfg->upstreams.size(), " upstreams, config ", cfg->source);
  refresher_.use(cfg);
  refresher_.refresh_now();
  zones_->use(cfg);
  // Listeners bound, lists loaded (files, last-good or bundled copies), workers serving.
  release_one_off_pages("start");  // the loader's tables, config and list loading: needed once
  notifier_.notify("READY=1\nSTATUS=serving");
  feed_watchdog();
  watch_leases();
  return true;
}

// The certificate is read at start (a bad one stops the start) and again at every reload, even
// with unchanged paths: certbot renews the files in place. A bad file on reload keeps the
// running certificate, with an error line saying why.
bool Server::load_certificate(const config::Config& cfg, bool starting) {
  if (!config::needs_certificate(cfg)) return true;
  cert_stamp_ = certificate_stamp(cfg.tls);  // a failed load is not retried until the files change again
  const std::string why = tls_.load(cfg.tls);
  if (why.empty()) {
    if (!starting) core::log::info("tls: certificate re-read from ", cfg.tls.certificate);
    return true;
  }
  core::log::error("tls: ", why, starting ? "" : " (keeping the running certificate)");
  return false;
}

void Server::watch_leases() {
  leases_timer_.expires_after(std::chrono::seconds(2));
  leases_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    // A stat() every 2 s: a new lease shows up within seconds, at no cost when nothing changed.
    const auto snap = snapshots_.load();
    if (snap->directory && snap->directory->refresh_leases()) core::log::debug("dhcp_leases re-read");
    // The same for the certificate: a renewal that forgot the reload hook is served anyway.
    if (config::needs_certificate(*running_)) {
      if (certificate_stamp(running_->tls) != cert_stamp_) load_certificate(*running_, false);
    }
    watch_leases();
  });
}

void Server::stop() {
  notifier_.notify("STOPPING=1");
  watchdog_timer_.cancel();
  leases_timer_.cancel();
  snapshots_.on_publish(nullptr);
  for (auto& w : workers_) w->stop();
  zones_.reset();  // after the workers (they call it for NOTIFY); stored copies are whole
  if (monitoring_) monitoring_->stop();  // last stats flush, after the workers counted their last query
  monitoring_.reset();
  workers_.clear();
  ares_library_cleanup();
  core::log::info("stopped");
}

int Server::run() {
  // Signals are caught from the start, so a SIGTERM right after the ready file is a clean stop.
  asio::signal_set signals(control_, SIGINT, SIGTERM, SIGHUP);
  auto cfg = load();
  if (!cfg || !start(cfg)) return 1;
  std::function<void(const boost::system::error_code&, int)> on_signal = [&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      reload();
      signals.async_wait(on_signal);
      return;
    }
    core::log::info("stopping on signal ", sig);
    control_.stop();
  };
  signals.async_wait(on_signal);
  control_.run();
  stop();
  return 0;
}

}  // namespace sprout::control
