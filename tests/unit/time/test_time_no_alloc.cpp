// Proves zone and schedule queries allocate nothing: schedules ask for the UTC offset and the
// next transition on the query path. This executable links the counting operator new.
#include <catch2/catch.hpp>

#include <filesystem>

#include "counting_new.hpp"
#include "sprout/time/clock.hpp"
#include "sprout/time/schedule_clock.hpp"

using namespace sprout::time;
using namespace std::chrono;

TEST_CASE("offsets, transitions and schedule states allocate nothing") {
  std::vector<TimeZone> zones{TimeZone::utc()};
  for (const char* name : {"Asia/Ho_Chi_Minh", "Europe/Berlin", "America/New_York"}) {
    std::string error;
    if (auto z = TimeZone::load(name, error, TimeZone::kDefaultDir)) zones.push_back(*z);
    else WARN(error << " (apt-get install tzdata): skipped");
  }
  sprout::config::Schedule school;
  school.name = "school";
  school.windows = {{0x1f, 7 * 60, 11 * 60 + 30}, {0x7f, 21 * 60 + 30, 6 * 60 + 30}};
  std::vector<ScheduleClock> clocks;
  clocks.reserve(zones.size());
  for (const auto& z : zones) clocks.emplace_back(std::vector<sprout::config::Schedule>{school}, z);

  // Now-ish, inside the precomputed table, and far outside it on both sides (cctz itself).
  const auto now = *parse_iso8601("2026-03-01T00:00:00Z");
  const auto far = *parse_iso8601("2150-03-01T00:00:00Z");
  const auto past = *parse_iso8601("1950-03-01T00:00:00Z");
  long long sink = 0;
  const std::size_t before = sprout::test::allocation_count();
  for (const auto start : {now, far, past}) {
    for (int i = 0; i < 2000; ++i) {
      const auto t = start + seconds(i * 3607LL);
      for (std::size_t k = 0; k < zones.size(); ++k) {
        sink += zones[k].utc_offset(t).count();
        sink += zones[k].local(t).minute_of_day;
        if (auto n = zones[k].next_transition(floor<seconds>(t))) sink += n->time_since_epoch().count() & 1;
        sink += zones[k].to_utc(local_seconds{floor<seconds>(t).time_since_epoch()}).time_since_epoch().count() & 1;
        sink += clocks[k].at(t).active + clocks[k].at_cached(t).active;
      }
    }
  }
  const std::size_t allocations = sprout::test::allocation_count() - before;
  CHECK(sink != 0);
  CHECK(allocations == 0);
}
