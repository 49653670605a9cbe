// TimeZone: offsets and transitions of real zones, local <-> UTC, unknown zones, $TZDIR and explicit directories.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "sprout/time/clock.hpp"
#include "sprout/time/time_zone.hpp"

using namespace sprout::time;
using namespace std::chrono;
namespace fs = std::filesystem;

namespace {

system_clock::time_point at(std::string_view iso) {
  auto t = parse_iso8601(iso);
  REQUIRE(t);
  return *t;
}

sys_seconds secs(std::string_view iso) { return floor<seconds>(at(iso)); }
local_seconds local(std::string_view iso) { return local_seconds{secs(iso).time_since_epoch()}; }

bool have_tzdata(const char* zone) {
  if (fs::exists(std::string(TimeZone::kDefaultDir) + "/" + zone)) return true;
  WARN("no " << zone << " under /usr/share/zoneinfo (apt-get install tzdata): skipped");
  return false;
}

TimeZone must_load(const char* name) {
  std::string error;
  auto z = TimeZone::load(name, error, TimeZone::kDefaultDir);
  INFO(error);
  REQUIRE(z);
  return *z;
}

// Sets (or clears, with nullptr) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A zone directory of our own: a copy of a real zone under a name tzdata does not have, a
// file that is not TZif, and one cut short.
struct TestZoneDir {
  fs::path root = fs::temp_directory_path() / ("sprout-tz-" + std::to_string(::getpid()));
  TestZoneDir() {
    fs::create_directories(root / "Test");
    if (fs::exists("/usr/share/zoneinfo/Asia/Ho_Chi_Minh"))
      fs::copy_file("/usr/share/zoneinfo/Asia/Ho_Chi_Minh", root / "Test" / "Saigon", fs::copy_options::overwrite_existing);
    std::ofstream(root / "Test" / "NotTzif") << "# not a zone file\n";
    std::ofstream(root / "Test" / "Truncated", std::ios::binary) << std::string("TZif2\0\0\0", 8);
  }
  ~TestZoneDir() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

}  // namespace

TEST_CASE("UTC needs no file") {
  std::string error;
  auto z = TimeZone::load("UTC", error, "/nonexistent");
  REQUIRE(z);
  CHECK(z->utc_offset(at("2026-06-01T00:00:00Z")) == 0s);
  auto l = z->local(at("2026-12-07T13:45:10Z"));  // a Monday
  CHECK(l.weekday == 0);
  CHECK(l.minute_of_day == 13 * 60 + 45);
  CHECK(l.second == 10);
  CHECK_FALSE(z->next_transition(secs("2026-01-01T00:00:00Z")));
  CHECK(z->to_utc(local("2026-03-08T02:30:00Z")) == secs("2026-03-08T02:30:00Z"));
}

TEST_CASE("names that could leave the zone directory are refused") {
  std::string error;
  CHECK_FALSE(TimeZone::load("../etc/passwd", error));
  CHECK_FALSE(TimeZone::load("/etc/localtime", error));
  CHECK_FALSE(TimeZone::load("Asia/../../etc/passwd", error));
  CHECK_FALSE(TimeZone::load("", error));
  CHECK(error.find("not an IANA time zone name") != std::string::npos);
}

TEST_CASE("an unknown zone is an error that says why, never UTC") {
  std::string error;
  CHECK_FALSE(TimeZone::load("Nowhere/City", error, TimeZone::kDefaultDir));
  CHECK(error.find("'Nowhere/City'") != std::string::npos);
  CHECK(error.find("cannot open /usr/share/zoneinfo/Nowhere/City") != std::string::npos);
}

TEST_CASE("Asia/Ho_Chi_Minh is +07:00 without DST") {
  if (!have_tzdata("Asia/Ho_Chi_Minh")) return;
  TimeZone z = must_load("Asia/Ho_Chi_Minh");
  CHECK(z.name() == "Asia/Ho_Chi_Minh");
  for (auto iso : {"2026-01-15T00:00:00Z", "2026-07-15T12:00:00Z", "2040-03-01T00:00:00Z", "1990-01-01T00:00:00Z",
                   "2150-06-01T00:00:00Z"})
    CHECK(z.utc_offset(at(iso)) == 7h);
  // 1975: Saigon moved from +08 to +07 on 13 June (16:00 UTC on the 12th).
  CHECK(z.utc_offset(at("1975-01-01T00:00:00Z")) == 8h);
  CHECK(z.next_transition(secs("1975-01-01T00:00:00Z")) == secs("1975-06-12T16:00:00Z"));
  // Tuesday 2026-12-01 00:30 UTC is 07:30 the same day in Hanoi.
  auto l = z.local(at("2026-12-01T00:30:00Z"));
  CHECK(l.weekday == 1);
  CHECK(l.minute_of_day == 7 * 60 + 30);
  CHECK(l.utc_offset == 7h);
  // Sunday 20:00 UTC is Monday 03:00 local.
  l = z.local(at("2026-12-06T20:00:00Z"));
  CHECK(l.weekday == 0);
  CHECK(l.minute_of_day == 180);
  CHECK(z.to_utc(local("2026-12-01T07:30:00Z")) == secs("2026-12-01T00:30:00Z"));
  CHECK_FALSE(z.next_transition(secs("2026-01-01T00:00:00Z")));
}

TEST_CASE("Europe/Berlin across DST") {
  if (!have_tzdata("Europe/Berlin")) return;
  TimeZone z = must_load("Europe/Berlin");
  CHECK(z.utc_offset(at("2026-01-15T12:00:00Z")) == 1h);
  CHECK(z.utc_offset(at("2026-07-15T12:00:00Z")) == 2h);
  // 2026: CEST from Sunday 29 March 01:00 UTC to Sunday 25 October 01:00 UTC.
  CHECK(z.utc_offset(at("2026-03-29T00:59:59Z")) == 1h);
  CHECK(z.utc_offset(at("2026-03-29T01:00:00Z")) == 2h);
  CHECK(z.utc_offset(at("2026-10-25T00:59:59Z")) == 2h);
  CHECK(z.utc_offset(at("2026-10-25T01:00:00Z")) == 1h);
  CHECK(z.next_transition(secs("2026-01-01T00:00:00Z")) == secs("2026-03-29T01:00:00Z"));
  CHECK(z.next_transition(secs("2026-03-29T01:00:00Z")) == secs("2026-10-25T01:00:00Z"));
  // Local 02:30 on 29 March does not exist; 02:30 on 25 October happens twice.
  CHECK(z.to_utc(local("2026-03-29T02:30:00Z")) == secs("2026-03-29T01:00:00Z"));
  CHECK(z.to_utc(local("2026-10-25T02:30:00Z")) == secs("2026-10-25T00:30:00Z"));
  // Past the zone file's last transition (2037) the POSIX rule decides, and past 2100 too.
  CHECK(z.utc_offset(at("2090-07-01T00:00:00Z")) == 2h);
  CHECK(z.utc_offset(at("2090-12-01T00:00:00Z")) == 1h);
  CHECK(z.next_transition(secs("2090-01-01T00:00:00Z")) == secs("2090-03-26T01:00:00Z"));
  CHECK(z.utc_offset(at("2150-07-01T00:00:00Z")) == 2h);
  CHECK(z.next_transition(secs("2099-12-01T00:00:00Z")) == secs("2100-03-28T01:00:00Z"));
}

TEST_CASE("America/New_York across DST") {
  if (!have_tzdata("America/New_York")) return;
  TimeZone z = must_load("America/New_York");
  CHECK(z.utc_offset(at("2026-01-15T12:00:00Z")) == -5h);
  CHECK(z.utc_offset(at("2026-07-15T12:00:00Z")) == -4h);
  // 2026: DST from Sunday 8 March 07:00 UTC to Sunday 1 November 06:00 UTC.
  CHECK(z.utc_offset(at("2026-03-08T06:59:59Z")) == -5h);
  CHECK(z.utc_offset(at("2026-03-08T07:00:00Z")) == -4h);
  CHECK(z.utc_offset(at("2026-11-01T05:59:59Z")) == -4h);
  CHECK(z.utc_offset(at("2026-11-01T06:00:00Z")) == -5h);
  CHECK(z.next_transition(secs("2026-01-01T00:00:00Z")) == secs("2026-03-08T07:00:00Z"));
  CHECK(z.next_transition(secs("2026-03-08T07:00:00Z")) == secs("2026-11-01T06:00:00Z"));
  CHECK(z.next_transition(secs("2026-12-31T23:00:00Z")) == secs("2027-03-14T07:00:00Z"));
  CHECK(z.utc_offset(at("2090-07-01T00:00:00Z")) == -4h);
  CHECK(z.utc_offset(at("2090-12-01T00:00:00Z")) == -5h);
  CHECK(z.next_transition(secs("2090-01-01T00:00:00Z")) == secs("2090-03-12T07:00:00Z"));
  // Before 1970 (outside the precomputed table): still the file's data.
  CHECK(z.utc_offset(at("1960-01-01T00:00:00Z")) == -5h);
  CHECK(z.utc_offset(at("1960-07-01T00:00:00Z")) == -4h);
  auto l = z.local(at("2026-03-08T07:00:00Z"));  // 03:00 EDT, a Sunday
  CHECK(l.weekday == 6);
  CHECK(l.minute_of_day == 180);
}

TEST_CASE("local to UTC around New York's DST changes") {
  if (!have_tzdata("America/New_York")) return;
  TimeZone z = must_load("America/New_York");
  CHECK(z.to_utc(local("2026-07-01T12:00:00Z")) == secs("2026-07-01T16:00:00Z"));
  CHECK(z.to_utc(local("2026-01-01T12:00:00Z")) == secs("2026-01-01T17:00:00Z"));
  // 02:30 on 8 March does not exist: the instant the clock jumps.
  CHECK(z.to_utc(local("2026-03-08T02:30:00Z")) == secs("2026-03-08T07:00:00Z"));
  // 01:30 on 1 November happens twice: the first one (EDT).
  CHECK(z.to_utc(local("2026-11-01T01:30:00Z")) == secs("2026-11-01T05:30:00Z"));
}

TEST_CASE("zones are read from $TZDIR, or from the directory given") {
  if (!have_tzdata("Asia/Ho_Chi_Minh")) return;
  TestZoneDir dir;
  std::string error;
  {
    ScopedEnv tzdir("TZDIR", dir.root.c_str());
    CHECK(TimeZone::default_dir() == dir.root.string());
    auto z = TimeZone::load("Test/Saigon", error);
    INFO(error);
    REQUIRE(z);
    CHECK(z->name() == "Test/Saigon");
    CHECK(z->utc_offset(at("2026-06-01T00:00:00Z")) == 7h);
    // The real database is not consulted while TZDIR points elsewhere.
    CHECK_FALSE(TimeZone::load("Europe/Berlin", error));
    CHECK(error.find(dir.root.string()) != std::string::npos);
  }
  {
    ScopedEnv tzdir("TZDIR", nullptr);
    CHECK(TimeZone::default_dir() == "/usr/share/zoneinfo");
    CHECK_FALSE(TimeZone::load("Test/Saigon", error));
    auto z = TimeZone::load("Test/Saigon", error, dir.root.string());
    REQUIRE(z);
    CHECK(z->utc_offset(at("1975-01-01T00:00:00Z")) == 8h);
  }
}

TEST_CASE("a file that is not a zone is an error, not UTC") {
  TestZoneDir dir;
  std::string error;
  CHECK_FALSE(TimeZone::load("Test/NotTzif", error, dir.root.string()));
  CHECK(error.find("is not a TZif file") != std::string::npos);
  CHECK_FALSE(TimeZone::load("Test/Truncated", error, dir.root.string()));
  CHECK(error.find("not a valid TZif file") != std::string::npos);
  CHECK_FALSE(TimeZone::load("Test", error, dir.root.string()));  // a directory
}

TEST_CASE("common zones load") {
  if (!have_tzdata("America/New_York")) return;
  int loaded = 0;
  for (const char* name : {"Europe/London", "Europe/Berlin", "Australia/Sydney", "America/Sao_Paulo",
                           "Asia/Tokyo", "Asia/Kolkata", "Pacific/Auckland", "Africa/Casablanca",
                           "America/Santiago", "Asia/Tehran", "Etc/GMT-7", "Asia/Bangkok", "Asia/Saigon"}) {
    if (!fs::exists(std::string("/usr/share/zoneinfo/") + name)) continue;
    std::string error;
    auto z = TimeZone::load(name, error, TimeZone::kDefaultDir);
    INFO(name << ": " << error);
    CHECK(z);
    ++loaded;
  }
  CHECK(loaded > 5);
  // Southern hemisphere: DST across the new year.
  TimeZone syd = must_load("Australia/Sydney");
  CHECK(syd.utc_offset(at("2026-01-15T00:00:00Z")) == 11h);
  CHECK(syd.utc_offset(at("2026-06-15T00:00:00Z")) == 10h);
  CHECK(must_load("Asia/Kolkata").utc_offset(at("2026-06-15T00:00:00Z")) == 5h + 30min);
}
