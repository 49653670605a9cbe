// Which of a profile's schedules are active at an instant, and when that next changes.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <vector>

#include "sprout/config/config.hpp"
#include "sprout/time/time_zone.hpp"

namespace sprout::time {

// The cache packs one bit per schedule into 16 bits; the config loader enforces the limit.
inline constexpr std::size_t kMaxSchedules = 16;
// next_change when nothing will ever change (no windows).
inline constexpr std::chrono::sys_seconds kNever{std::chrono::seconds{std::numeric_limits<std::int64_t>::max() / 4}};

struct State {
  std::uint32_t active = 0;                // bit i set = schedules[i] is active
  std::chrono::sys_seconds next_change = kNever;  // first instant after `now` a window starts or ends
  bool operator==(const State&) const = default;
};

// Built once per profile per snapshot; `at` and `at_cached` are safe from any thread and never
// allocate. Windows are weekly and evaluated in local time, so a window crossing midnight
// (or Sunday -> Monday) is one interval; UTC offset changes end a state early.
class ScheduleClock {
 public:
  ScheduleClock(const std::vector<config::Schedule>& schedules, TimeZone zone);
  ScheduleClock(const ScheduleClock& other);  // copies the windows, not the cache
  ScheduleClock& operator=(const ScheduleClock&) = delete;

  [[nodiscard]] State at(std::chrono::system_clock::time_point now) const noexcept;
  // Same answer as `at`, recomputed only when `now` leaves the last answer's validity
  // [computed at, next_change); one atomic load on the common path.
  [[nodiscard]] State at_cached(std::chrono::system_clock::time_point now) const noexcept;

  [[nodiscard]] const TimeZone& zone() const noexcept { return zone_; }
  [[nodiscard]] bool empty() const noexcept { return intervals_.empty(); }

 private:
  struct Interval {
    std::int32_t start = 0;   // seconds after Monday 00:00 local
    std::int32_t length = 0;  // seconds; may run past Sunday 24:00 (wraps)
    std::uint32_t bit = 0;
  };
  void remember(std::int64_t computed_at, const State& s) const noexcept;

  std::vector<Interval> intervals_;
  TimeZone zone_;
  static constexpr std::int64_t kUnset = std::numeric_limits<std::int64_t>::min();
  // Cache word: bits 0-27 valid-until relative to base_, 28-47 seconds of validity before
  // it, 48-63 the mask. base_ is set once, by the first store, so fake clocks far from the
  // real date still cache. 0 = nothing cached.
  mutable std::atomic<std::int64_t> base_{kUnset};
  mutable std::atomic<std::uint64_t> cache_{0};
};

// Seconds an answer may live so it does not outlive the current schedule state (at least 1).
[[nodiscard]] std::uint32_t ttl_cap(std::chrono::system_clock::time_point now, const State& state) noexcept;

}  // namespace sprout::time
