// Everything a query needs, immutable once published, and the holder that swaps it atomically.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include <chrono>
#include <functional>

#include "sprout/blocklists/domain_index.hpp"
#include "sprout/blocklists/list_catalog.hpp"
#include "sprout/config/config.hpp"
#include "sprout/core/device_directory.hpp"
#include "sprout/core/device_table.hpp"
#include "sprout/core/network_table.hpp"
#include "sprout/core/pause_book.hpp"
#include "sprout/core/pipeline.hpp"
#include "sprout/time/clock.hpp"
#include "sprout/core/profile_policy.hpp"

namespace sprout::cache {
class PacketCache;
}

namespace sprout::core {

// A snapshot's lists: the per-list catalog serving builds, or one merged index (tools, tests).
class AuditLog;  // audit_log.hpp: kept out of this widely included header (nlohmann)

class SnapshotLists {
 public:
  SnapshotLists() = default;
  SnapshotLists(std::shared_ptr<const blocklists::ListCatalog> c) : catalog_(std::move(c)) {}  // NOLINT: implicit
  SnapshotLists(std::shared_ptr<const blocklists::DomainIndex> i) : index_(std::move(i)) {}    // NOLINT: implicit
  SnapshotLists(std::shared_ptr<blocklists::DomainIndex> i) : index_(std::move(i)) {}          // NOLINT: implicit
  SnapshotLists(std::nullptr_t) {}                                                             // NOLINT: implicit
  [[nodiscard]] blocklists::Match lookup(std::string_view name, blocklists::CategorySet blocked) const noexcept {
    if (catalog_) return catalog_->lookup(name, blocked);
    return index_ ? index_->lookup(name, blocked) : blocklists::Match{};
  }
  explicit operator bool() const noexcept { return catalog_ || index_; }
  // The catalog the next reload or refresh reuses unchanged lists from (null: none).
  [[nodiscard]] const std::shared_ptr<const blocklists::ListCatalog>& catalog() const noexcept { return catalog_; }

 private:
  std::shared_ptr<const blocklists::ListCatalog> catalog_;
  std::shared_ptr<const blocklists::DomainIndex> index_;
};

// Always made by make_shared: a query that goes upstream pins the very snapshot it started on
// through shared_from_this (see Driver::forward).
struct Snapshot : std::enable_shared_from_this<Snapshot> {
  Snapshot(std::shared_ptr<const config::Config> cfg, SnapshotLists lists);
  Snapshot(const Snapshot&) = delete;  // stages hold references into it
  Snapshot& operator=(const Snapshot&) = delete;

  [[nodiscard]] std::chrono::system_clock::time_point clock_now() const;

  std::shared_ptr<const config::Config> config;
  SnapshotLists lists;                                   // may be empty: no lists configured
  NetworkTable networks;
  DeviceTable devices;
  // Leases and unknown MACs: carried from snapshot to snapshot while dhcp_leases is unchanged.
  std::shared_ptr<DeviceDirectory> directory;
  // Timed pauses (state_dir/pauses.json): carried from snapshot to snapshot like the cache.
  std::shared_ptr<PauseBook> pauses;
  // The audit log (state_dir/audit.jsonl): every pause change, and whatever else changes
  // policy at run time. Carried with the pauses.
  std::shared_ptr<AuditLog> audit;
  std::vector<ProfilePolicy> profiles;                   // parallel to config->profiles
  blocklists::CategorySet bypass_categories = 0;         // the category named "bypass", if any
  std::shared_ptr<cache::PacketCache> cache;             // shared by every snapshot; may be null
  Pipeline pipeline;
  std::uint64_t generation = 0;
};

// The process-wide clock (SPROUT_FAKE_TIME for tests, else the system clock).
const time::Clock& process_clock();

// The decision order lives here and only here.
Pipeline build_pipeline(const config::Config& cfg, const NetworkTable& networks);

// Publishes snapshots to the workers. Workers keep their own shared_ptr and only re-load it
// when generation() moves, so the hot path pays one relaxed atomic load per query.
class SnapshotHolder {
 public:
  void publish(std::shared_ptr<Snapshot> next);
  // Called after each publish (the server tells idle workers to let go of the old snapshot,
  // so its index is freed now rather than at their next query). Set before workers start.
  void on_publish(std::function<void()> hook) { on_publish_ = std::move(hook); }
  [[nodiscard]] std::shared_ptr<const Snapshot> load() const { return current_.load(std::memory_order_acquire); }
  [[nodiscard]] std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }

 private:
  std::atomic<std::shared_ptr<const Snapshot>> current_;
  std::atomic<std::uint64_t> generation_{0};
  std::function<void()> on_publish_;
};

// A worker's pinned view of the holder.
class SnapshotCache {
 public:
  explicit SnapshotCache(const SnapshotHolder& holder) : holder_(holder), current_(holder.load()), seen_(holder.generation()) {}
  const std::shared_ptr<const Snapshot>& get() {
    const std::uint64_t gen = holder_.generation();
    if (gen != seen_) {
      current_ = holder_.load();
      seen_ = gen;
    }
    return current_;
  }

 private:
  const SnapshotHolder& holder_;
  std::shared_ptr<const Snapshot> current_;
  std::uint64_t seen_;
};

}  // namespace sprout::core
