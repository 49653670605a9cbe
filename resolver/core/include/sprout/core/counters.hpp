// Per-worker query counters by network, category and action, plus the blocked-domain tally;
// written only by their worker (relaxed atomics), read by the control thread for metrics
// and the stats store. No client address is ever counted.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sprout/blocklists/page_buffer.hpp"
#include "sprout/core/query_context.hpp"

namespace sprout::core {

// What the reports call an action; finer than Action for blocked answers. `paused`: an
// answer that would have been blocked but a timed pause let through (its category kept).
enum class ReportAction : std::uint8_t {
  allowed, blocked, safesearch, bypass_blocked, refused, servfail, paused, kCount
};
[[nodiscard]] std::string_view report_action_name(ReportAction a) noexcept;

inline constexpr std::size_t kMaxCountedNetworks = 256;   // more share the last row
inline constexpr std::size_t kCategorySlots = 65;         // 64 categories + "none"
inline constexpr std::size_t kActions = static_cast<std::size_t>(ReportAction::kCount);
inline constexpr std::size_t kGuards = static_cast<std::size_t>(Guard::kCount);

// Latency histogram buckets (upper bounds, microseconds); the last is +Inf.
inline constexpr std::array<std::uint32_t, 12> kLatencyBucketsUs = {50, 100, 250, 500, 1000, 2500, 5000,
                                                                     10000, 25000, 50000, 100000, 1000000};

class QueryCounters {
 public:
  QueryCounters();
  // network: index in config.networks (or kMaxCountedNetworks-1 for "none"); category: -1 none.
  void count(std::size_t network, int category, ReportAction action) noexcept;
  void observe_latency_us(std::uint64_t us) noexcept;
  // Queries an abuse protection answered (rate limit, upstream limit, rebinding).
  void count_guard(Guard g) noexcept { guards_[static_cast<std::size_t>(g)].fetch_add(1, std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t guard_count(Guard g) const noexcept {
    return guards_[static_cast<std::size_t>(g)].load(std::memory_order_relaxed);
  }
  // Identity options not believed (see IgnoredOption), by reason.
  void count_ignored_options(const std::array<std::uint16_t, kIgnoredOptions>& n) noexcept {
    for (std::size_t i = 0; i < kIgnoredOptions; ++i) {
      if (n[i] != 0) ignored_options_[i].fetch_add(n[i], std::memory_order_relaxed);
    }
  }
  [[nodiscard]] std::uint64_t ignored_options(IgnoredOption r) const noexcept {
    return ignored_options_[static_cast<std::size_t>(r)].load(std::memory_order_relaxed);
  }
  // Blocked domain tally: fixed-size table, no allocation; full table drops new names.
  void count_blocked_domain(std::string_view domain, int category) noexcept;

  struct Cell {
    std::uint16_t network;
    std::int16_t category;  // -1: none
    ReportAction action;
    std::uint64_t count;
  };
  struct DomainCount {
    std::string domain;
    std::int16_t category;
    std::uint64_t count;
  };
  // Totals since start (monotonic); the reader diffs successive reads.
  [[nodiscard]] std::vector<Cell> cells() const;
  [[nodiscard]] std::vector<DomainCount> blocked_domains() const;
  // The tally so far, and an empty table. Only the owning worker's thread may call it (it
  // is the table's only writer), so the fixed-size table never fills up over a long uptime.
  [[nodiscard]] std::vector<DomainCount> take_blocked_domains();
  [[nodiscard]] std::array<std::uint64_t, kLatencyBucketsUs.size() + 1> latency_buckets() const;
  [[nodiscard]] std::uint64_t latency_sum_us() const noexcept { return latency_sum_us_.load(std::memory_order_relaxed); }

 private:
  static constexpr std::size_t kDomainSlots = 4096;
  static constexpr std::size_t kDomainChars = 64;
  struct DomainSlot {
    std::uint64_t hash;   // 0: empty; read and written as std::atomic_ref
    std::uint64_t count;  // std::atomic_ref
    std::int16_t category;
    std::uint8_t length;
    char name[kDomainChars];
  };
  [[nodiscard]] std::uint64_t* cell_words() const noexcept { return static_cast<std::uint64_t*>(cells_.data()); }
  [[nodiscard]] DomainSlot* domain_slots() const noexcept { return static_cast<DomainSlot*>(domains_.data()); }

  // The two tables are fresh zero pages (blocklists::PageBuffer), not vectors: a worker's
  // cells (256 networks x 65 categories x 7 actions, 910 KiB) and domain tally (352 KiB)
  // were resident in full from the start, though a home counts a few networks and categories.
  blocklists::PageBuffer cells_;  // std::uint64_t [network][category slot][action]
  std::array<std::atomic<std::uint64_t>, kLatencyBucketsUs.size() + 1> latency_{};
  std::atomic<std::uint64_t> latency_sum_us_{0};
  std::array<std::atomic<std::uint64_t>, kGuards> guards_{};
  std::array<std::atomic<std::uint64_t>, kIgnoredOptions> ignored_options_{};
  blocklists::PageBuffer domains_;  // DomainSlot[kDomainSlots]
};

// What queries are counted under, in the counters, /metrics, the stats store and reports:
// each network (index = its position in config.networks), then one unit per device label
// set and network ("home / grade=6"), whose labels are the network's with the device's
// merged in (the device's win). A device without labels counts under its network. No
// device name or MAC is ever part of a unit: reports see devices only through their labels,
// with the same small-count threshold as networks. Units past kMaxCountedNetworks - 1 are
// not made, and their devices count under their network.
struct ReportUnit {
  std::string name;
  std::map<std::string, std::string> labels;
};
// Then one unit per DoT/DoH client ID (config.clients order).
[[nodiscard]] std::vector<ReportUnit> report_units(const config::Config& cfg);
// The unit of config.clients[client]: after the networks and the device units.
[[nodiscard]] std::size_t client_id_unit(const config::Config& cfg, std::size_t client);
// The unit a finished query counts under (kMaxCountedNetworks - 1: no network). Allocation-free.
[[nodiscard]] std::size_t report_unit(const QueryContext& q) noexcept;

// The report action of a finished query (kCount: malformed or dropped, not counted).
[[nodiscard]] ReportAction report_action(const QueryContext& q) noexcept;

// Counts one finished query: its network, category and report action, the blocked domain
// (the list entry that matched, never the full name), and its latency.
void record_query(QueryCounters& counters, const QueryContext& q, std::uint64_t latency_us) noexcept;

}  // namespace sprout::core
