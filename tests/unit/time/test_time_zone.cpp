// TimeZone: TZif files from /usr/share/zoneinfo, hand-made TZif bytes, POSIX footer rules.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "sprout/time/clock.hpp"
#include "sprout/time/time_zone.hpp"

using namespace sprout::time;
using namespace std::chrono;

namespace {

system_clock::time_point at(std::string_view iso) {
  auto t = parse_iso8601(iso);
  REQUIRE(t);
  return *t;
}

sys_seconds secs(std::string_view iso) { return floor<seconds>(at(iso)); }

bool have_tzdata(const char* zone) {
  if (std::filesystem::exists(std::string(TimeZone::kDefaultDir) + "/" + zone)) return true;
  WARN("no " << zone << " under /usr/share/zoneinfo (apt-get install tzdata): skipped");
  return false;
}

TimeZone must_load(const char* name) {
  std::string error;
  auto z = TimeZone::load(name, error);
  INFO(error);
  REQUIRE(z);
  return *z;
}

// A TZif v2 file with no transitions and only a footer: what `zic -b slim` writes.
std::string slim_tzif(std::string_view footer, std::int32_t offset) {
  auto be32 = [](std::string& s, std::uint32_t v) {
    for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  auto header = [&](std::string& s) {
    s += "TZif2";
    s.append(15, '\0');
    for (std::uint32_t c : {0u, 0u, 0u, 0u, 1u, 4u}) be32(s, c);  // ..., timecnt, typecnt, charcnt
  };
  std::string s;
  for (int block = 0; block < 2; ++block) {
    header(s);
    be32(s, static_cast<std::uint32_t>(offset));
    s.push_back('\0');
    s.push_back('\0');
    s.append("XXX", 4);
  }
  s += "\n" + std::string(footer) + "\n";
  return s;
}

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
}

TEST_CASE("names that could leave the zone directory are refused") {
  std::string error;
  CHECK_FALSE(TimeZone::load("../etc/passwd", error));
  CHECK_FALSE(TimeZone::load("/etc/localtime", error));
  CHECK_FALSE(TimeZone::load("Asia/../../etc/passwd", error));
  CHECK_FALSE(TimeZone::load("", error));
  CHECK_FALSE(TimeZone::load("Nowhere/City", error));
  CHECK_FALSE(error.empty());
}

TEST_CASE("Asia/Ho_Chi_Minh is +07:00 without DST") {
  if (!have_tzdata("Asia/Ho_Chi_Minh")) return;
  TimeZone z = must_load("Asia/Ho_Chi_Minh");
  for (auto iso : {"2026-01-15T00:00:00Z", "2026-07-15T12:00:00Z", "2040-03-01T00:00:00Z", "1990-01-01T00:00:00Z"})
    CHECK(z.utc_offset(at(iso)) == 7h);
  // 1975: Saigon moved from +08 to +07 on 13 June.
  CHECK(z.utc_offset(at("1975-01-01T00:00:00Z")) == 8h);
  // Tuesday 2026-12-01 00:30 UTC is 07:30 the same day in Hanoi.
  auto l = z.local(at("2026-12-01T00:30:00Z"));
  CHECK(l.weekday == 1);
  CHECK(l.minute_of_day == 7 * 60 + 30);
  // Sunday 20:00 UTC is Monday 03:00 local.
  l = z.local(at("2026-12-06T20:00:00Z"));
  CHECK(l.weekday == 0);
  CHECK(l.minute_of_day == 180);
  CHECK(z.to_utc(local_seconds{secs("2026-12-01T07:30:00Z").time_since_epoch()}) == secs("2026-12-01T00:30:00Z"));
  CHECK_FALSE(z.next_transition(secs("2026-01-01T00:00:00Z")));
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
  // Far past the file's last transition the footer rule decides.
  CHECK(z.utc_offset(at("2090-07-01T00:00:00Z")) == -4h);
  CHECK(z.utc_offset(at("2090-12-01T00:00:00Z")) == -5h);
  CHECK(z.next_transition(secs("2090-01-01T00:00:00Z")) == secs("2090-03-12T07:00:00Z"));
  // Long ago: 1970 and before (from the 64-bit data).
  CHECK(z.utc_offset(at("1960-01-01T00:00:00Z")) == -5h);
}

TEST_CASE("local to UTC around New York's DST changes") {
  if (!have_tzdata("America/New_York")) return;
  TimeZone z = must_load("America/New_York");
  auto local = [](const char* iso) { return local_seconds{secs(iso).time_since_epoch()}; };
  CHECK(z.to_utc(local("2026-07-01T12:00:00Z")) == secs("2026-07-01T16:00:00Z"));
  CHECK(z.to_utc(local("2026-01-01T12:00:00Z")) == secs("2026-01-01T17:00:00Z"));
  // 02:30 on 8 March does not exist: the instant the clock jumps.
  CHECK(z.to_utc(local("2026-03-08T02:30:00Z")) == secs("2026-03-08T07:00:00Z"));
  // 01:30 on 1 November happens twice: the first one (EDT).
  CHECK(z.to_utc(local("2026-11-01T01:30:00Z")) == secs("2026-11-01T05:30:00Z"));
}

TEST_CASE("POSIX rules: fixed offset and US DST") {
  auto fixed = PosixTz::parse("<+07>-7");
  REQUIRE(fixed);
  CHECK(fixed->std_offset == 7 * 3600);
  CHECK_FALSE(fixed->has_dst);
  CHECK(fixed->offset_at(0) == 7 * 3600);

  auto us = PosixTz::parse("EST5EDT,M3.2.0,M11.1.0");
  REQUIRE(us);
  CHECK(us->std_offset == -5 * 3600);
  CHECK(us->dst_offset == -4 * 3600);
  auto t = [](const char* iso) { return secs(iso).time_since_epoch().count(); };
  CHECK(us->offset_at(t("2026-03-08T06:59:59Z")) == -5 * 3600);
  CHECK(us->offset_at(t("2026-03-08T07:00:00Z")) == -4 * 3600);
  CHECK(us->offset_at(t("2026-11-01T06:00:00Z")) == -5 * 3600);
  CHECK(us->next_transition(t("2026-12-31T23:00:00Z")) == t("2027-03-14T07:00:00Z"));

  // Southern hemisphere: DST across the new year (Australia/Sydney).
  auto syd = PosixTz::parse("AEST-10AEDT,M10.1.0,M4.1.0/3");
  REQUIRE(syd);
  CHECK(syd->offset_at(t("2026-01-15T00:00:00Z")) == 11 * 3600);
  CHECK(syd->offset_at(t("2026-06-15T00:00:00Z")) == 10 * 3600);
  // Julian days, a v3 time past 24h, explicit DST offset, minutes.
  CHECK(PosixTz::parse("<-03>3<-02>,M3.5.0/-2,M10.5.0/-1"));
  CHECK(PosixTz::parse("IST-5:30"));
  CHECK(PosixTz::parse("XXX3YYY2,J60/25,300"));
  for (auto bad : {"", "E5", "EST", "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.2.0", "<+07-7", "EST5EDT,M3.2.0,M11.1.0x"})
    CHECK_FALSE(PosixTz::parse(bad));
}

TEST_CASE("a slim TZif file with only a footer") {
  std::string error;
  auto hcm = TimeZone::from_tzif("Test/Plus7", slim_tzif("<+07>-7", 7 * 3600), error);
  INFO(error);
  REQUIRE(hcm);
  CHECK(hcm->utc_offset(at("2026-06-01T00:00:00Z")) == 7h);
  auto ny = TimeZone::from_tzif("Test/NY", slim_tzif("EST5EDT,M3.2.0,M11.1.0", -5 * 3600), error);
  REQUIRE(ny);
  CHECK(ny->utc_offset(at("2026-07-01T00:00:00Z")) == -4h);
  CHECK(ny->next_transition(secs("2026-01-01T00:00:00Z")) == secs("2026-03-08T07:00:00Z"));
}

TEST_CASE("malformed TZif bytes are rejected, never read out of bounds") {
  std::string error;
  CHECK_FALSE(TimeZone::from_tzif("x", "", error));
  CHECK_FALSE(TimeZone::from_tzif("x", "TZif2", error));
  std::string good = slim_tzif("<+07>-7", 7 * 3600);
  for (std::size_t cut = 0; cut + 1 < good.size(); ++cut) {
    // Every truncation either fails or (inside the footer) still parses safely.
    auto z = TimeZone::from_tzif("x", std::string_view(good).substr(0, cut), error);
    if (cut < 2 * 44 + 2 * 10) CHECK_FALSE(z);
  }
  CHECK_FALSE(TimeZone::from_tzif("x", slim_tzif("garbage rule", 0), error));
}

TEST_CASE("every zone in /usr/share/zoneinfo that has a footer loads") {
  if (!have_tzdata("America/New_York")) return;
  int loaded = 0;
  for (const char* name : {"Europe/London", "Europe/Berlin", "Australia/Sydney", "America/Sao_Paulo",
                           "Asia/Tokyo", "Asia/Kolkata", "Pacific/Auckland", "Africa/Casablanca",
                           "America/Santiago", "Asia/Tehran", "Etc/GMT-7", "Asia/Bangkok", "Asia/Saigon"}) {
    std::string error;
    auto z = TimeZone::load(name, error);
    INFO(name << ": " << error);
    if (!std::filesystem::exists(std::string("/usr/share/zoneinfo/") + name)) continue;
    CHECK(z);
    ++loaded;
  }
  CHECK(loaded > 5);
}
