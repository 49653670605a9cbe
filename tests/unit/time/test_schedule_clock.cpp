// ScheduleClock: window boundaries, midnight and week wrap, time zones, next_change, the cache.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <random>
#include <thread>

#include "sprout/time/clock.hpp"
#include "sprout/time/schedule_clock.hpp"

using namespace sprout::time;
using namespace std::chrono;
using sprout::config::Schedule;
using sprout::config::Window;

namespace {

constexpr std::uint8_t kMon = 1, kTue = 2, kFri = 16, kSat = 32, kSun = 64, kWeekdays = 0x1f, kDaily = 0x7f;

system_clock::time_point at(std::string_view iso) {
  auto t = parse_iso8601(iso);
  REQUIRE(t);
  return *t;
}

sys_seconds secs(std::string_view iso) { return floor<seconds>(at(iso)); }

Schedule schedule(std::string name, std::vector<Window> windows) {
  Schedule s;
  s.name = std::move(name);
  s.windows = std::move(windows);
  return s;
}

Window window(std::uint8_t days, int from_h, int from_m, int to_h, int to_m) {
  return Window{days, static_cast<std::uint16_t>(from_h * 60 + from_m), static_cast<std::uint16_t>(to_h * 60 + to_m)};
}

std::optional<TimeZone> zone(const char* name) {
  std::string error;
  auto z = TimeZone::load(name, error);
  if (!z) WARN("no " << name << " under /usr/share/zoneinfo (apt-get install tzdata): skipped");
  return z;
}

}  // namespace

TEST_CASE("exactly at the start a window is active, exactly at the end it is not") {
  // 2026-12-01 is a Tuesday.
  ScheduleClock c({schedule("school", {window(kWeekdays, 7, 0, 11, 30)})}, TimeZone::utc());
  CHECK(c.at(at("2026-12-01T06:59:59Z")) == State{0, secs("2026-12-01T07:00:00Z")});
  CHECK(c.at(at("2026-12-01T06:59:59.999Z")).active == 0);
  CHECK(c.at(at("2026-12-01T07:00:00Z")) == State{1, secs("2026-12-01T11:30:00Z")});
  CHECK(c.at(at("2026-12-01T11:29:59.5Z")).active == 1);
  CHECK(c.at(at("2026-12-01T11:30:00Z")) == State{0, secs("2026-12-02T07:00:00Z")});
  // Friday after school: the next start is Monday.
  CHECK(c.at(at("2026-12-04T12:00:00Z")) == State{0, secs("2026-12-07T07:00:00Z")});
}

TEST_CASE("several windows per day and several schedules set their own bits") {
  ScheduleClock c({schedule("school", {window(kWeekdays, 7, 0, 11, 30), window(kWeekdays, 13, 30, 17, 0)}),
                   schedule("lunch", {window(kWeekdays, 11, 30, 13, 30)}),
                   schedule("evening", {window(kDaily, 16, 0, 18, 0)})},
                  TimeZone::utc());
  CHECK(c.at(at("2026-12-01T10:00:00Z")) == State{0b001, secs("2026-12-01T11:30:00Z")});
  // Adjacent windows: one ends as the other starts, no gap.
  CHECK(c.at(at("2026-12-01T11:30:00Z")) == State{0b010, secs("2026-12-01T13:30:00Z")});
  CHECK(c.at(at("2026-12-01T13:30:00Z")) == State{0b001, secs("2026-12-01T16:00:00Z")});
  // Overlapping windows of different schedules.
  CHECK(c.at(at("2026-12-01T16:30:00Z")) == State{0b101, secs("2026-12-01T17:00:00Z")});
  CHECK(c.at(at("2026-12-01T17:00:00Z")) == State{0b100, secs("2026-12-01T18:00:00Z")});
  // Saturday: only the daily window.
  CHECK(c.at(at("2026-12-05T12:00:00Z")) == State{0, secs("2026-12-05T16:00:00Z")});
}

TEST_CASE("overlapping windows of one schedule: the change is when the union ends") {
  ScheduleClock c({schedule("s", {window(kTue, 8, 0, 10, 0), window(kTue, 9, 0, 11, 0)})}, TimeZone::utc());
  auto s = c.at(at("2026-12-01T08:30:00Z"));
  CHECK(s.active == 1);
  CHECK(s.next_change == secs("2026-12-01T09:00:00Z"));  // a window starts: re-read, still active
  CHECK(c.at(at("2026-12-01T10:00:00Z")) == State{1, secs("2026-12-01T11:00:00Z")});
  CHECK(c.at(at("2026-12-01T11:00:00Z")).active == 0);
}

TEST_CASE("a window crossing midnight belongs to the day it starts") {
  ScheduleClock c({schedule("bedtime", {window(kFri, 21, 30, 6, 30)})}, TimeZone::utc());
  // Friday 2026-12-04 21:30 -> Saturday 06:30.
  CHECK(c.at(at("2026-12-04T21:29:59Z")).active == 0);
  CHECK(c.at(at("2026-12-04T21:30:00Z")) == State{1, secs("2026-12-05T06:30:00Z")});
  CHECK(c.at(at("2026-12-05T00:00:00Z")).active == 1);
  CHECK(c.at(at("2026-12-05T06:30:00Z")) == State{0, secs("2026-12-11T21:30:00Z")});
  // Thursday night is not Friday's window.
  CHECK(c.at(at("2026-12-04T02:00:00Z")).active == 0);
}

TEST_CASE("Sunday night into Monday wraps the week") {
  ScheduleClock c({schedule("sunday-night", {window(kSun, 22, 0, 6, 0)})}, TimeZone::utc());
  CHECK(c.at(at("2026-12-06T21:59:59Z")) == State{0, secs("2026-12-06T22:00:00Z")});
  CHECK(c.at(at("2026-12-06T22:00:00Z")) == State{1, secs("2026-12-07T06:00:00Z")});
  CHECK(c.at(at("2026-12-07T00:00:00Z")) == State{1, secs("2026-12-07T06:00:00Z")});
  CHECK(c.at(at("2026-12-07T05:59:59Z")).active == 1);
  CHECK(c.at(at("2026-12-07T06:00:00Z")) == State{0, secs("2026-12-13T22:00:00Z")});
}

TEST_CASE("a whole day and a window to 24:00") {
  ScheduleClock c({schedule("saturday", {window(kSat, 0, 0, 24, 0)}), schedule("late", {window(kMon, 22, 0, 24, 0)})},
                  TimeZone::utc());
  CHECK(c.at(at("2026-12-04T23:59:59Z")).active == 0);
  CHECK(c.at(at("2026-12-05T00:00:00Z")) == State{1, secs("2026-12-06T00:00:00Z")});
  CHECK(c.at(at("2026-12-07T23:00:00Z")) == State{2, secs("2026-12-08T00:00:00Z")});
  CHECK(c.at(at("2026-12-08T00:00:00Z")).active == 0);
}

TEST_CASE("no schedules: nothing active, nothing ever changes") {
  ScheduleClock c({}, TimeZone::utc());
  CHECK(c.empty());
  CHECK(c.at(at("2026-12-01T00:00:00Z")) == State{0, kNever});
  CHECK(c.at_cached(at("2026-12-01T00:00:00Z")) == State{0, kNever});
  CHECK(ttl_cap(at("2026-12-01T00:00:00Z"), State{}) == std::numeric_limits<std::uint32_t>::max());
}

TEST_CASE("windows are read in the profile's time zone") {
  auto hcm = zone("Asia/Ho_Chi_Minh");
  if (!hcm) return;
  ScheduleClock c({schedule("school", {window(kWeekdays, 7, 0, 11, 30)})}, *hcm);
  // 07:00 in Hanoi is 00:00 UTC.
  CHECK(c.at(at("2026-12-01T00:00:00Z")) == State{1, secs("2026-12-01T04:30:00Z")});
  CHECK(c.at(at("2026-11-30T23:59:59Z")).active == 0);
  CHECK(c.at(at("2026-12-01T07:59:58+07:00")) == State{1, secs("2026-12-01T04:30:00Z")});
  // Monday 06:59 local is still Sunday 23:59 UTC.
  CHECK(c.at(at("2026-12-06T23:59:00Z")) == State{0, secs("2026-12-07T00:00:00Z")});
}

TEST_CASE("a UTC offset change ends the state early and shifts the windows") {
  auto ny = zone("America/New_York");
  if (!ny) return;
  ScheduleClock c({schedule("morning", {window(kDaily, 8, 0, 9, 0)})}, *ny);
  // Saturday 7 March 2026 20:00 EST; the next start would be Sunday 08:00 local, but the
  // clocks go forward at 07:00 UTC first.
  CHECK(c.at(at("2026-03-08T01:00:00Z")) == State{0, secs("2026-03-08T07:00:00Z")});
  // After the change, 08:00 EDT is 12:00 UTC (not 13:00).
  CHECK(c.at(at("2026-03-08T07:00:00Z")) == State{0, secs("2026-03-08T12:00:00Z")});
  CHECK(c.at(at("2026-03-08T12:00:00Z")).active == 1);
  CHECK(c.at(at("2026-03-07T13:00:00Z")).active == 1);  // Saturday 08:00 EST
  // A window spanning the jump: active before, re-read at the jump, still active after.
  ScheduleClock night({schedule("night", {window(kSat, 22, 0, 6, 0)})}, *ny);
  CHECK(night.at(at("2026-03-08T06:00:00Z")) == State{1, secs("2026-03-08T07:00:00Z")});
  CHECK(night.at(at("2026-03-08T07:00:00Z")) == State{1, secs("2026-03-08T10:00:00Z")});  // 06:00 EDT
}

TEST_CASE("next_change is exact: nothing changes before it and something may at it") {
  auto hcm = zone("Asia/Ho_Chi_Minh");
  ScheduleClock c({schedule("a", {window(kWeekdays, 7, 0, 11, 30), window(kWeekdays, 13, 30, 17, 0)}),
                   schedule("b", {window(kDaily, 21, 30, 6, 30)}), schedule("c", {window(kSun, 22, 0, 6, 0)})},
                  hcm ? *hcm : TimeZone::utc());
  auto t = at("2026-11-30T00:00:00Z");
  for (int step = 0; step < 60; ++step) {
    State s = c.at(t);
    auto before = s.next_change - 1s;
    CHECK(c.at(before).active == s.active);
    CHECK(c.at(before).next_change == s.next_change);
    t = s.next_change;
  }
  CHECK(t > at("2026-12-07T00:00:00Z"));
}

TEST_CASE("the cached path answers exactly like the uncached one") {
  ScheduleClock c({schedule("a", {window(kWeekdays, 7, 0, 11, 30), window(kWeekdays, 13, 30, 17, 0)}),
                   schedule("b", {window(kDaily, 21, 30, 6, 30)}), schedule("c", {window(kSun, 22, 0, 6, 0)})},
                  TimeZone::utc());
  std::mt19937_64 rng(42);
  auto t = at("2026-11-30T00:00:00Z");
  for (int i = 0; i < 20000; ++i) {
    // Mostly forward in small steps, sometimes back (NTP steps, fake clocks), sometimes far.
    std::int64_t step = static_cast<std::int64_t>(rng() % 4000) - (rng() % 10 == 0 ? 6000 : 0);
    if (rng() % 500 == 0) step += 30 * 86400;
    t += seconds(step) + milliseconds(rng() % 1000);
    REQUIRE(c.at_cached(t) == c.at(t));
  }
}

TEST_CASE("the cached path is safe from many threads") {
  ScheduleClock c({schedule("a", {window(kDaily, 0, 0, 0, 1)}), schedule("b", {window(kDaily, 0, 1, 0, 2)})},
                  TimeZone::utc());
  const auto start = at("2026-12-01T00:00:00Z");
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int i = 0; i < 20000; ++i) {
        auto t = start + seconds((i * 7 + k * 13) % 600);
        if (!(c.at_cached(t) == c.at(t))) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
}

TEST_CASE("a copy has the same windows and its own cache") {
  ScheduleClock a({schedule("s", {window(kTue, 7, 0, 8, 0)})}, TimeZone::utc());
  (void)a.at_cached(at("2026-12-01T07:30:00Z"));
  ScheduleClock b(a);
  CHECK(b.at_cached(at("2026-12-01T07:30:00Z")) == a.at(at("2026-12-01T07:30:00Z")));
  CHECK(b.at_cached(at("2026-12-01T09:00:00Z")).active == 0);
}

TEST_CASE("ttl_cap: seconds to the next change, rounded down, at least 1") {
  State s{1, secs("2026-12-01T08:00:00Z")};
  CHECK(ttl_cap(at("2026-12-01T07:00:00Z"), s) == 3600);
  CHECK(ttl_cap(at("2026-12-01T07:59:58Z"), s) == 2);
  CHECK(ttl_cap(at("2026-12-01T07:59:58.300Z"), s) == 1);
  CHECK(ttl_cap(at("2026-12-01T07:59:59.900Z"), s) == 1);
  CHECK(ttl_cap(at("2026-12-01T08:00:00Z"), s) == 1);
  CHECK(ttl_cap(at("2026-12-01T09:00:00Z"), s) == 1);
}
