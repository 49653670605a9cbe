// Builds snapshots with their lists off the serving threads, and refreshes URL lists on time.
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "sprout/blocklists/list_loader.hpp"
#include "sprout/core/snapshot.hpp"

namespace sprout::control {

namespace asio = boost::asio;

// Loads lists for `cfg` (fetch=false: files and last-good copies only) and builds a
// complete snapshot, reusing the lists of `previous` that did not change; logs one line per
// list that is not ok. `newer` (searched first): a snapshot holding lists downloaded since
// `previous` was built, e.g. a download that finished for a config replaced meanwhile.
std::shared_ptr<core::Snapshot> build_snapshot(std::shared_ptr<const config::Config> cfg, bool fetch,
                                                   std::vector<blocklists::ListStatus>* statuses,
                                                   std::shared_ptr<cache::PacketCache> cache,
                                                   const core::Snapshot* previous = nullptr,
                                                   const core::Snapshot* newer = nullptr,
                                                   std::vector<std::shared_ptr<const blocklists::ListPiece>> offered = {});

// After one-off work (start, a reload, a list build): gives its read-only pages back
// (blocklists/loaded_pages.hpp: 4-6 MiB after a start); what is used again maps again.
void release_one_off_pages(const char* after);

// Runs list downloads on a background thread and hands finished snapshots back to the
// control io_context, which publishes them. A download that finishes after a reload is not
// lost: its content is in the last-good copies, and a snapshot for the current config is
// rebuilt from them (without the network).
class ListRefresher {
 public:
  ListRefresher(asio::io_context& control, core::SnapshotHolder& holder);
  void set_cache(std::shared_ptr<cache::PacketCache> cache) { cache_ = std::move(cache); }
  ~ListRefresher();
  // The running config changed (start or reload): reschedule against it.
  void use(std::shared_ptr<const config::Config> cfg);
  // Download every URL list now (in the background). While a download runs, it answers
  // for the lists it covers; lists it does not (added by a reload) are fetched after it.
  void refresh_now();
  // A list's stored copy changed (a zone transfer finished): rebuild from the copies, without
  // the network; after the running build when one runs. `patched`: that list's piece already
  // patched for the new copy (its identity), used instead of reading the copy again.
  void rebuild_now(std::shared_ptr<const blocklists::ListPiece> patched = nullptr);
  // The piece the served snapshot uses for the list named `name` (null: none). Any thread.
  [[nodiscard]] std::shared_ptr<const blocklists::ListPiece> served_piece(const std::string& name) const;
  [[nodiscard]] std::vector<blocklists::ListStatus> statuses() const;
  // A transferred list's zone was checked and is up to date (no rebuild): its status says so.
  void note_checked(const std::string& name, std::chrono::system_clock::time_point at,
                    std::optional<std::chrono::system_clock::time_point> expires);
  // True once every list had its first chance: files at start, URL lists after the first
  // download attempt (successful or not). /health reports ready from then on.
  [[nodiscard]] bool settled() const noexcept { return settled_.load(std::memory_order_acquire); }
  void set_statuses(std::vector<blocklists::ListStatus> s);

 private:
  void schedule();
  // Builds a snapshot for cfg_ on a background thread (fetch: download URL lists first) and
  // hands it to finished() on the control thread. `download` (a rebuild after a download
  // for an older config): that download's snapshot, whose lists are reused, and its
  // statuses, so its failures still show.
  void start_build(bool fetch, std::shared_ptr<const core::Snapshot> download = nullptr,
                   std::vector<blocklists::ListStatus> download_statuses = {});
  void finished(std::shared_ptr<const config::Config> cfg, bool fetched, std::shared_ptr<core::Snapshot> snap,
                std::vector<blocklists::ListStatus> statuses);

  // What a download thread may still touch after we are gone: checked under the lock, so
  // a download finishing during shutdown never posts to a dead io_context.
  struct Shared {
    std::mutex mutex;
    bool alive = true;
  };

  asio::io_context& control_;
  core::SnapshotHolder& holder_;
  asio::steady_timer timer_;
  std::shared_ptr<const config::Config> cfg_;
  std::shared_ptr<cache::PacketCache> cache_;
  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
  std::atomic<bool> busy_{false};
  bool rebuild_wanted_ = false;                       // rebuild_now() while busy (control thread only)
  bool fetch_wanted_ = false;                         // refresh_now() while busy (control thread only)
  std::vector<std::shared_ptr<const blocklists::ListPiece>> offered_;  // for the next build (control thread only)
  std::shared_ptr<const config::Config> fetched_for_; // the config of the last finished download
  std::atomic<bool> settled_{false};
  mutable std::mutex mutex_;
  std::vector<blocklists::ListStatus> statuses_;
};

}  // namespace sprout::control
