// time::Clock and the ISO 8601 parser behind SPROUT_FAKE_TIME.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <thread>

#include "sprout/time/clock.hpp"

using namespace sprout::time;
using namespace std::chrono;

TEST_CASE("ISO 8601 instants") {
  auto z = parse_iso8601("2026-12-01T07:59:58Z");
  REQUIRE(z);
  CHECK(floor<seconds>(*z).time_since_epoch().count() == 1796111998);
  auto plus7 = parse_iso8601("2026-12-01T14:59:58+07:00");
  REQUIRE(plus7);
  CHECK(*plus7 == *z);
  auto minus5 = parse_iso8601("2026-12-01T02:59:58-0500");
  REQUIRE(minus5);
  CHECK(*minus5 == *z);
  auto frac = parse_iso8601("2026-12-01T07:59:58.25Z");
  REQUIRE(frac);
  CHECK(*frac - *z == 250ms);
  for (auto bad : {"", "2026-12-01", "2026-12-01T07:59:58", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                   "2026-12-01T24:00:00Z", "2026-12-01T07:59:58Zjunk", "2026-12-01T07:59:58+7", "26-12-01T07:59:58Z"})
    CHECK_FALSE(parse_iso8601(bad));
}

TEST_CASE("the real clock follows the system clock") {
  Clock c;
  CHECK_FALSE(c.is_fake());
  auto diff = c.now() - system_clock::now();
  CHECK(abs(duration_cast<milliseconds>(diff)) < 1s);
}

TEST_CASE("a fake clock starts at the given instant and advances in real time") {
  auto start = *parse_iso8601("2026-12-01T07:59:58Z");
  Clock c = Clock::starting_at(start);
  CHECK(c.is_fake());
  auto t0 = c.now();
  CHECK(t0 >= start);
  CHECK(t0 - start < 1s);
  std::this_thread::sleep_for(20ms);
  CHECK(c.now() - t0 >= 20ms);
}

TEST_CASE("SPROUT_FAKE_TIME from the environment") {
  ::setenv("SPROUT_FAKE_TIME", "2026-12-01T07:59:58+07:00", 1);
  std::string error;
  Clock c = Clock::from_environment(&error);
  CHECK(error.empty());
  CHECK(c.is_fake());
  CHECK(c.now() - *parse_iso8601("2026-12-01T00:59:58Z") < 1s);
  ::setenv("SPROUT_FAKE_TIME", "tomorrow", 1);
  Clock bad = Clock::from_environment(&error);
  CHECK_FALSE(bad.is_fake());
  CHECK(error.find("SPROUT_FAKE_TIME='tomorrow'") != std::string::npos);
  ::unsetenv("SPROUT_FAKE_TIME");
  CHECK_FALSE(Clock::from_environment().is_fake());
}
