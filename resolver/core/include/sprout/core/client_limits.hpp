// Per-worker abuse state: a token bucket per client and a count of each client's queries
// waiting for upstream, in fixed-size tables (a spoofed-source flood cannot grow them).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sprout/config/config.hpp"

namespace sprout::core {

// A client as the limits see it: its address cut to the configured prefix length.
struct ClientKey {
  std::array<std::uint8_t, 16> bytes{};
  bool operator==(const ClientKey&) const = default;
};
[[nodiscard]] ClientKey client_key(const config::IpAddress& a, const config::RateLimit& r) noexcept;

using SteadyTime = std::chrono::steady_clock::time_point;
using TimeSource = SteadyTime (*)() noexcept;  // injectable for tests

// Token buckets in a set-associative table: a key lives in one set of kWays entries. A new
// key takes an empty entry, else one whose bucket has refilled (it carries no state, so
// dropping it changes no answer), else the least recently used one (that client then
// starts again with a full bucket: pressure makes the limit more lenient, never stricter).
class RateTable {
 public:
  static constexpr std::size_t kWays = 4;
  RateTable(std::size_t entries, std::uint64_t seed);
  // Takes one token from the key's bucket (refilled at `rate` per second up to `burst`).
  // False: the bucket is empty, the query is over the limit. Never allocates.
  [[nodiscard]] bool take(const ClientKey& key, SteadyTime now, std::uint32_t rate, std::uint32_t burst) noexcept;
  [[nodiscard]] std::size_t capacity() const noexcept { return entries_.size(); }
  [[nodiscard]] std::size_t used() const noexcept;            // entries holding a client
  [[nodiscard]] std::uint64_t evictions() const noexcept { return evictions_; }  // of clients not yet refilled

 private:
  static constexpr std::int64_t kEmpty = INT64_MIN;
  struct Entry {
    ClientKey key;
    std::int64_t last_ns = kEmpty;  // when the bucket was last brought up to date
    double tokens = 0;
  };
  std::vector<Entry> entries_;
  std::size_t set_mask_ = 0;
  std::uint64_t seed_;
  std::uint64_t evictions_ = 0;
};

// Queries waiting for upstream: in total, and per client in an open-addressing table of
// fixed size (twice the largest total, so it is at most half full).
class UpstreamCounts {
 public:
  enum class Refusal : std::uint8_t { none, client, total };
  static constexpr std::size_t kSlots = 2 * config::kMaxUpstreamTotal;
  static constexpr std::size_t kProbe = 32;
  explicit UpstreamCounts(std::uint64_t seed);
  // Counts one more query (key null: in the total only; a limit of 0 is no limit). On none,
  // `slot` is what release() takes back (-1: not counted per client).
  [[nodiscard]] Refusal acquire(const ClientKey* key, const config::UpstreamLimit& limit, int& slot) noexcept;
  void release(int slot) noexcept;
  [[nodiscard]] std::uint32_t total() const noexcept { return total_; }
  [[nodiscard]] std::uint32_t of(const ClientKey& key) const noexcept;

 private:
  struct Slot {
    ClientKey key;
    std::uint32_t count = 0;  // 0: free
  };
  std::vector<Slot> slots_;
  std::uint64_t seed_;
  std::uint32_t total_ = 0;
};

// One query's place in UpstreamCounts, given back when the query is destroyed: whichever
// way it ends (answered, failed, timed out, cancelled, dropped by an exception).
class UpstreamSlot {
 public:
  UpstreamSlot() = default;
  UpstreamSlot(UpstreamCounts* owner, int slot) noexcept : owner_(owner), slot_(slot) {}
  UpstreamSlot(UpstreamSlot&& o) noexcept : owner_(o.owner_), slot_(o.slot_) { o.owner_ = nullptr; }
  UpstreamSlot& operator=(UpstreamSlot&& o) noexcept;
  UpstreamSlot(const UpstreamSlot&) = delete;
  UpstreamSlot& operator=(const UpstreamSlot&) = delete;
  ~UpstreamSlot() { reset(); }
  void reset() noexcept;
  explicit operator bool() const noexcept { return owner_ != nullptr; }

 private:
  UpstreamCounts* owner_ = nullptr;
  int slot_ = -1;
};

// A worker's limits; owned by its Driver, which outlives every query it started.
class ClientLimits {
 public:
  static constexpr std::size_t kRateEntries = 4096;  // 128 KiB per worker
  explicit ClientLimits(TimeSource now = nullptr, std::uint64_t seed = 0);  // seed 0: random
  [[nodiscard]] RateTable& rate() noexcept { return rate_; }
  [[nodiscard]] UpstreamCounts& upstream() noexcept { return upstream_; }
  [[nodiscard]] SteadyTime now() const noexcept { return now_(); }

 private:
  TimeSource now_;
  std::uint64_t seed_;
  RateTable rate_;
  UpstreamCounts upstream_;
};

}  // namespace sprout::core
