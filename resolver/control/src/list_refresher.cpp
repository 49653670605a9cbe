// List refresh: downloads never run on a worker or block signal handling.
#include "sprout/control/list_refresher.hpp"

#include <boost/asio/post.hpp>
#include <algorithm>
#include <span>

#include "sprout/blocklists/loaded_pages.hpp"
#include "sprout/core/audit_log.hpp"
#include "sprout/core/log.hpp"

namespace sprout::control {
namespace {

bool is_url(const std::string& s) { return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0; }

std::chrono::seconds shortest_refresh(const config::Config& cfg) {
  std::chrono::seconds best{0};
  for (const auto& l : cfg.lists) {
    if (is_url(l.source) && (best.count() == 0 || l.refresh < best)) best = l.refresh;
  }
  return best;
}

// True when a download for `done` fetched every URL list of `next` (same name, same source:
// the same last-good copy).
bool covers(const config::Config& done, const config::Config& next) {
  return std::all_of(next.lists.begin(), next.lists.end(), [&](const config::List& l) {
    return !is_url(l.source) || std::any_of(done.lists.begin(), done.lists.end(), [&](const config::List& d) {
      return d.name == l.name && d.source == l.source;
    });
  });
}

// A rebuild from last-good copies says "ok" for a list whose download just failed: keep
// the download's verdict, so `lists` and /metrics still show it stale.
void keep_download_errors(std::vector<blocklists::ListStatus>& rebuilt, const std::vector<blocklists::ListStatus>& download) {
  for (auto& r : rebuilt) {
    for (const auto& d : download) {
      if (d.name == r.name && d.source == r.source && d.state != blocklists::ListState::ok &&
          r.state == blocklists::ListState::ok) {
        r.state = blocklists::ListState::stale;
        r.error = d.error;
      }
    }
  }
}

}  // namespace

// Leases and the unknown-MAC record outlive snapshots while the leases file is the same one;
// a new directory reads its file now, before any worker can see it.
// Timed pauses too: one book per state_dir (a restart-only key), read once.
static void carry_devices(core::Snapshot& snap, std::initializer_list<const core::Snapshot*> older) {
  const std::string pauses = snap.config->state_dir + "/pauses.json";
  for (const core::Snapshot* s : older) {
    if (s != nullptr && s->pauses && s->pauses->path() == pauses && !snap.pauses) {
      snap.pauses = s->pauses;
      snap.audit = s->audit;
    }
    if (s != nullptr && s->directory && s->directory->leases_path() == snap.config->dhcp_leases) {
      snap.directory = s->directory;
      break;
    }
  }
  if (snap.directory.use_count() == 1) snap.directory->refresh_leases();  // a new one
  if (!snap.audit) snap.audit = std::make_shared<core::AuditLog>(snap.config->state_dir + "/audit.jsonl");
  if (!snap.pauses) {
    snap.pauses = std::make_shared<core::PauseBook>(pauses);
    std::string error;
    if (!snap.pauses->load(core::process_clock().now(), error)) core::log::warn(error);
  }
}

void release_one_off_pages(const char* after) {
  const auto released = blocklists::release_loaded_pages();
  core::log::debug("after ", after, ": ", released.segments, " read-only segments (", released.bytes >> 10,
                   " KiB mapped) released from memory");
}

std::shared_ptr<core::Snapshot> build_snapshot(std::shared_ptr<const config::Config> cfg, bool fetch,
                                                   std::vector<blocklists::ListStatus>* statuses,
                                                   std::shared_ptr<cache::PacketCache> cache,
                                                   const core::Snapshot* previous, const core::Snapshot* newer,
                                                   std::vector<std::shared_ptr<const blocklists::ListPiece>> offered) {
  const auto start = std::chrono::steady_clock::now();
  blocklists::LoadOptions options;
  options.fetch = fetch;
  options.offered = std::move(offered);
  // Only lists whose content or settings changed are read and parsed again.
  std::vector<const blocklists::ListCatalog*> reuse;
  for (const core::Snapshot* s : {newer, previous}) {
    if (s != nullptr && s->lists.catalog()) reuse.push_back(s->lists.catalog().get());
  }
  blocklists::CatalogUpdate loaded = blocklists::ListCatalog::update(*cfg, std::span<const blocklists::ListCatalog* const>(reuse), options);
  std::size_t reused = 0;
  const auto now = std::chrono::system_clock::now();
  for (const auto& s : loaded.lists) {
    reused += s.reused ? 1 : 0;
    if (s.state == blocklists::ListState::bundled) {
      // Protects, but with what was current when this Sprout was built: say how old it is.
      core::log::warn("list ", s.name, ": serving the ", blocklists::bundled_note(s, now),
                      s.error.empty() ? std::string() : "; " + s.error);
    } else if (s.state != blocklists::ListState::ok) {
      core::log::warn("list ", s.name, " (", s.source, "): ", blocklists::state_name(s.state), ": ", s.error);
    }
  }
  const auto& catalog = loaded.catalog;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  if (!cfg->lists.empty()) {
    core::log::info("lists: ", cfg->lists.size(), " loaded (", reused, " unchanged, reused), ", catalog->size(),
                    " names, ", catalog->memory_bytes() / 1024, " KiB index, ", ms.count(), " ms");
  }
  if (statuses != nullptr) *statuses = std::move(loaded.lists);
  auto snap = std::make_shared<core::Snapshot>(std::move(cfg), loaded.catalog);
  snap->cache = std::move(cache);
  carry_devices(*snap, {newer, previous});
  return snap;
}

ListRefresher::ListRefresher(asio::io_context& control, core::SnapshotHolder& holder)
    : control_(control), holder_(holder), timer_(control) {}

ListRefresher::~ListRefresher() {
  timer_.cancel();
  std::lock_guard lock(shared_->mutex);
  shared_->alive = false;  // a download still running finishes into the void
}

void ListRefresher::use(std::shared_ptr<const config::Config> cfg) {
  const bool same_interval = cfg_ && shortest_refresh(*cfg_) == shortest_refresh(*cfg);
  cfg_ = std::move(cfg);
  // Only a changed interval moves the next download: dashboard changes (a new config each)
  // must not keep postponing it. Every finished build schedules the next one anyway.
  if (!same_interval) schedule();
}

void ListRefresher::schedule() {
  timer_.cancel();
  const auto every = shortest_refresh(*cfg_);
  if (every.count() == 0) return;  // no URL lists: nothing to refresh
  timer_.expires_after(every);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) refresh_now();
  });
}

void ListRefresher::refresh_now() {
  if (shortest_refresh(*cfg_).count() == 0) {
    settled_ = true;  // only files and builtin lists: all loaded already
    return;
  }
  if (busy_) {
    fetch_wanted_ = true;  // decided when the running build finishes
    return;
  }
  start_build(true);
}

void ListRefresher::rebuild_now(std::shared_ptr<const blocklists::ListPiece> patched) {
  if (patched) offered_.push_back(std::move(patched));
  if (busy_) {
    rebuild_wanted_ = true;
    return;
  }
  start_build(false);
}

std::shared_ptr<const blocklists::ListPiece> ListRefresher::served_piece(const std::string& name) const {
  const auto snap = holder_.load();
  if (!snap || !snap->lists.catalog()) return nullptr;
  const auto& lists = snap->config->lists;
  for (std::size_t i = 0; i < lists.size() && i < blocklists::kNoList; ++i) {
    if (lists[i].name == name) return snap->lists.catalog()->piece(static_cast<blocklists::ListId>(i));
  }
  return nullptr;
}

void ListRefresher::start_build(bool fetch, std::shared_ptr<const core::Snapshot> download,
                                std::vector<blocklists::ListStatus> download_statuses) {
  busy_ = true;
  std::thread([this, fetch, download = std::move(download), download_statuses = std::move(download_statuses),
               cfg = cfg_, shared = shared_, cache = cache_, previous = holder_.load(), offered = std::exchange(offered_, {})] {
    std::vector<blocklists::ListStatus> statuses;
    auto snap = build_snapshot(cfg, fetch, &statuses, cache, previous.get(), download.get(), offered);
    keep_download_errors(statuses, download_statuses);
    std::lock_guard lock(shared->mutex);
    if (!shared->alive) return;
    asio::post(control_, [this, cfg, fetch, snap, statuses = std::move(statuses)]() mutable {
      finished(std::move(cfg), fetch, std::move(snap), std::move(statuses));
    });
  }).detach();
}

void ListRefresher::finished(std::shared_ptr<const config::Config> cfg, bool fetched, std::shared_ptr<core::Snapshot> snap,
                             std::vector<blocklists::ListStatus> statuses) {
  busy_ = false;
  if (fetched) {
    settled_ = true;
    fetched_for_ = cfg;
  }
  if (cfg == cfg_) {
    holder_.publish(std::move(snap));
    set_statuses(std::move(statuses));
    core::log::info(fetched ? "lists refreshed" : "lists rebuilt from last-good copies", " (generation ", holder_.generation(), ")");
  } else if (fetched && shortest_refresh(*cfg_).count() > 0) {
    // A reload came while this download ran: its snapshot was built before the download
    // stored the new content as last-good copies. Rebuild for the current config from
    // those copies, reusing what the download parsed; nothing is fetched again.
    core::log::info("lists downloaded for an earlier configuration: rebuilding for the current one from last-good copies");
    start_build(false, std::move(snap), std::move(statuses));
    return;
  }  // else a rebuild for a config replaced meanwhile: that reload read the same copies
  const bool rebuild = std::exchange(rebuild_wanted_, false);
  if (fetch_wanted_) {
    fetch_wanted_ = false;
    if (!fetched_for_ || !covers(*fetched_for_, *cfg_)) {
      start_build(true);  // URL lists the last download did not have (a reload added them)
      return;
    }
  }
  if (rebuild) {
    start_build(false);  // a copy changed while this build ran: it may have read the old one
    return;
  }
  release_one_off_pages("a list build");  // the download, the parsers, libcurl's OpenSSL init
  schedule();
}

std::vector<blocklists::ListStatus> ListRefresher::statuses() const {
  std::lock_guard lock(mutex_);
  return statuses_;
}

void ListRefresher::note_checked(const std::string& name, std::chrono::system_clock::time_point at,
                                 std::optional<std::chrono::system_clock::time_point> expires) {
  std::lock_guard lock(mutex_);
  for (auto& s : statuses_) {
    if (s.name != name) continue;
    s.last_refresh = at;
    s.expires = expires;
  }
}

void ListRefresher::set_statuses(std::vector<blocklists::ListStatus> s) {
  std::lock_guard lock(mutex_);
  statuses_ = std::move(s);
}

}  // namespace sprout::control
