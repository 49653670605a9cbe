#include "sprout/time/schedule_clock.hpp"

#include <algorithm>

namespace sprout::time {
namespace {

namespace chr = std::chrono;
constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kWeek = 7 * kDay;
constexpr std::uint64_t kUntilBits = 28;
constexpr std::uint64_t kSpanBits = 20;
constexpr std::uint64_t kUntilMax = (1ull << kUntilBits) - 1;
constexpr std::uint64_t kSpanMax = (1ull << kSpanBits) - 1;

// Seconds from `s` forward to `boundary` on the weekly circle; a boundary at `s` itself is
// a week away (it is not "after now").
std::int64_t ahead(std::int64_t s, std::int64_t boundary) {
  std::int64_t d = ((boundary - s) % kWeek + kWeek) % kWeek;
  return d == 0 ? kWeek : d;
}

}  // namespace

ScheduleClock::ScheduleClock(const std::vector<config::Schedule>& schedules, TimeZone zone)
    : zone_(std::move(zone)) {
  const std::size_t n = std::min(schedules.size(), kMaxSchedules);
  for (std::size_t i = 0; i < n; ++i) {
    for (const config::Window& w : schedules[i].windows) {
      if (w.start == w.end || w.start >= 1440 || w.end > 1440) continue;  // the loader rejects these
      // end <= start crosses midnight into the next day (and Sunday into Monday).
      const std::int32_t minutes = w.end > w.start ? w.end - w.start : 1440 - w.start + w.end;
      for (int day = 0; day < 7; ++day) {
        if ((w.days & (1u << day)) == 0) continue;
        intervals_.push_back({static_cast<std::int32_t>(day * kDay + w.start * 60), minutes * 60, 1u << i});
      }
    }
  }
}

ScheduleClock::ScheduleClock(const ScheduleClock& other) : intervals_(other.intervals_), zone_(other.zone_) {}

State ScheduleClock::at(std::chrono::system_clock::time_point now) const noexcept {
  State out;
  if (intervals_.empty()) return out;
  const chr::sys_seconds utc = chr::floor<chr::seconds>(now);
  const std::int64_t t = utc.time_since_epoch().count();
  const chr::local_seconds local{(utc + zone_.utc_offset(utc)).time_since_epoch()};
  const chr::local_days day = chr::floor<chr::days>(local);
  // Seconds since Monday 00:00 local.
  const std::int64_t s = (static_cast<std::int64_t>(chr::weekday{day}.iso_encoding()) - 1) * kDay + (local - day).count();
  std::int64_t next = kWeek;
  for (const Interval& iv : intervals_) {
    if (((s - iv.start) % kWeek + kWeek) % kWeek < iv.length) out.active |= iv.bit;
    next = std::min({next, ahead(s, iv.start), ahead(s, iv.start + iv.length)});
  }
  out.next_change = chr::sys_seconds{chr::seconds{t + next}};
  // Past an offset change the local clock jumps: the state must be re-read there.
  if (auto change = zone_.next_transition(utc); change && *change < out.next_change)
    out.next_change = *change;
  return out;
}

State ScheduleClock::at_cached(std::chrono::system_clock::time_point now) const noexcept {
  const std::int64_t t = chr::floor<chr::seconds>(now).time_since_epoch().count();
  const std::uint64_t word = cache_.load(std::memory_order_acquire);
  if (word != 0) {
    // base_ was published before the word that depends on it.
    const std::int64_t until = base_.load(std::memory_order_acquire) + static_cast<std::int64_t>(word & kUntilMax);
    const std::int64_t from = until - static_cast<std::int64_t>((word >> kUntilBits) & kSpanMax);
    if (t >= from && t < until)
      return State{static_cast<std::uint32_t>(word >> (kUntilBits + kSpanBits)), chr::sys_seconds{chr::seconds{until}}};
  }
  State s = at(now);
  remember(t, s);
  return s;
}

void ScheduleClock::remember(std::int64_t computed_at, const State& s) const noexcept {
  std::int64_t base = base_.load(std::memory_order_acquire);
  if (base == kUnset) {
    std::int64_t fresh = computed_at - kWeek;  // room for a clock stepping back a little
    base = base_.compare_exchange_strong(base, fresh, std::memory_order_acq_rel) ? fresh : base;
  }
  const std::int64_t until = s.next_change.time_since_epoch().count();
  const std::int64_t rel = until - base;
  const std::int64_t span = until - computed_at;
  // Out of range (no windows, a clock years away from base_): stay uncached, still correct.
  if (rel <= 0 || static_cast<std::uint64_t>(rel) > kUntilMax || span <= 0 ||
      static_cast<std::uint64_t>(span) > kSpanMax || s.active > 0xffffu)
    return;
  cache_.store(static_cast<std::uint64_t>(rel) | (static_cast<std::uint64_t>(span) << kUntilBits) |
                   (static_cast<std::uint64_t>(s.active) << (kUntilBits + kSpanBits)),
               std::memory_order_release);
}

std::uint32_t ttl_cap(std::chrono::system_clock::time_point now, const State& state) noexcept {
  const auto whole = chr::floor<chr::seconds>(now);
  std::int64_t left = state.next_change.time_since_epoch().count() - whole.time_since_epoch().count();
  // Rounded down: an answer cached for `left` seconds from now must be gone by the change.
  if (now > whole) --left;
  if (left < 1) return 1;
  return static_cast<std::uint32_t>(std::min<std::int64_t>(left, std::numeric_limits<std::uint32_t>::max()));
}

}  // namespace sprout::time
