// StatsStore: upserts, retention, networks, lists, and broken databases reported, not fatal.
#include <catch2/catch.hpp>

#include <fstream>
#include <unistd.h>

#include "sprout/stats/stats_store.hpp"
#include "temp_dir.hpp"

using namespace sprout::stats;
using sprout::stats::test::TempDir;

namespace {

std::uint64_t total(StatsStore& s, std::int64_t from, std::int64_t to) {
  std::vector<StoredCount> rows;
  REQUIRE(s.read_counts(from, to, rows));
  std::uint64_t n = 0;
  for (const auto& r : rows) n += r.count;
  return n;
}

MinuteBatch batch(std::int64_t minute, std::uint64_t n) {
  MinuteBatch b;
  b.minute = minute;
  b.rows.push_back({"net", "adult", "blocked", n});
  b.blocked_domains.push_back({Date::from_unix(minute, 0).to_string(), "bad.example", "adult", n});
  return b;
}

}  // namespace

TEST_CASE("store adds counts and reads them back") {
  TempDir dir;
  StatsStore store({dir.file("stats.db")});
  REQUIRE(store.open());
  REQUIRE(store.flush(batch(600, 3)));
  REQUIRE(store.flush(batch(600, 4)));
  REQUIRE(store.flush(batch(660, 1)));
  CHECK(total(store, 0, 10'000) == 8);
  std::vector<BlockedDomainRow> days;
  REQUIRE(store.read_blocked_domains(Date{1970, 1, 1}, Date{1970, 1, 1}, days));
  REQUIRE(days.size() == 1);
  CHECK(days[0].count == 8);

  REQUIRE(store.record_networks({{"net", {{"district", "Q1"}, {"school", "A"}}}, {"other", {}}}));
  REQUIRE(store.record_networks({{"net", {{"district", "Q2"}}}}));
  std::vector<NetworkInfo> nets;
  REQUIRE(store.read_networks(nets));
  REQUIRE(nets.size() == 2);
  CHECK(nets[0].name == "net");
  CHECK(nets[0].labels == std::map<std::string, std::string>{{"district", "Q2"}});

  REQUIRE(store.record_lists({{"ut1-adult", "adult", 1200, 1000, ListState::ok}}));
  std::vector<ListStatusRow> lists;
  REQUIRE(store.read_lists(lists));
  REQUIRE(lists.size() == 1);
  CHECK(lists[0].entries == 1200);

  SECTION("data survives reopening") {
    StatsStore again({dir.file("stats.db")});
    REQUIRE(again.open_read_only());
    CHECK(total(again, 0, 10'000) == 8);
  }
}

TEST_CASE("retention deletes old minutes and days") {
  TempDir dir;
  StatsOptions opt{dir.file("stats.db")};
  opt.retention_days = 2;
  StatsStore store(opt);
  REQUIRE(store.open());
  const std::int64_t day = 86400;
  REQUIRE(store.flush(batch(10 * day + 60, 1)));   // day 10
  REQUIRE(store.flush(batch(11 * day + 60, 2)));   // day 11
  REQUIRE(store.flush(batch(12 * day + 120, 4)));  // day 12 (today)
  REQUIRE(store.enforce_retention(12 * day + 3600));
  CHECK(total(store, 0, 20 * day) == 6);
  std::vector<BlockedDomainRow> rows;
  REQUIRE(store.read_blocked_domains(Date{1970, 1, 1}, Date{1971, 1, 1}, rows));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].day == Date::from_day_number(11).to_string());
}

TEST_CASE("a corrupted database file is an error status, not a crash") {
  TempDir dir;
  const auto path = dir.file("stats.db");
  {
    std::ofstream f(path, std::ios::binary);
    for (int i = 0; i < 4096; ++i) f.put(static_cast<char>((i * 7919) & 0xff));
  }
  StatsStore store({path});
  const Status s = store.open();
  CHECK_FALSE(s.ok);
  CHECK(s.error.find(path) != std::string::npos);
  // The service keeps calling flush; every call reports, none throws, memory stays bounded.
  for (int i = 0; i < 200; ++i) CHECK_FALSE(store.flush(batch(60 * i, 1)).ok);
  CHECK(store.pending_batches() <= 120);
  std::vector<StoredCount> rows;
  CHECK_FALSE(store.read_counts(0, 100, rows).ok);
  CHECK_FALSE(store.enforce_retention(0).ok);
}

TEST_CASE("an unwritable directory is an error status; batches are kept for later") {
  TempDir dir;
  const auto sub = dir.path() / "ro";
  std::filesystem::create_directories(sub);
  std::filesystem::permissions(sub, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  std::string path = (sub / "stats.db").string();
  if (::access(sub.c_str(), W_OK) == 0) {
    // Running as root: permissions do not stop us, so use a path under a regular file.
    std::ofstream(dir.file("plain")) << "x";
    path = dir.file("plain") + "/stats.db";
  }
  StatsStore store({path});
  CHECK_FALSE(store.open().ok);
  const Status s = store.flush(batch(60, 5));
  CHECK_FALSE(s.ok);
  CHECK_FALSE(s.error.empty());
  CHECK(store.pending_batches() == 1);
}

TEST_CASE("a batch kept while the database was missing is written once it opens") {
  TempDir dir;
  const auto sub = dir.path() / "later";
  StatsStore store({(sub / "stats.db").string()});
  CHECK_FALSE(store.flush(batch(60, 5)).ok);
  std::filesystem::create_directories(sub);
  REQUIRE(store.flush(batch(120, 2)));
  CHECK(store.pending_batches() == 0);
  CHECK(total(store, 0, 1000) == 7);
}

TEST_CASE("calendar dates: parse, day numbers, weekdays, local days") {
  CHECK(Date::parse("2024-02-29") == Date{2024, 2, 29});
  for (const char* bad : {"2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "1969-12-31", "2026-1-01", "2026/01/01"})
    CHECK_FALSE(Date::parse(bad));
  CHECK(Date{1970, 1, 1}.day_number() == 0);
  CHECK(Date{2026, 12, 1}.day_number() == 20788);
  CHECK(Date::from_day_number(20788) == Date{2026, 12, 1});
  CHECK(Date::from_day_number(-1) == Date{1969, 12, 31});
  CHECK(Date{2026, 12, 1}.weekday() == 1);  // a Tuesday (Monday = 0)
  CHECK(Date{2026, 12, 6}.weekday() == 6);
  CHECK(Date{2024, 2, 28}.plus_days(1) == Date{2024, 2, 29});
  CHECK(Date{2026, 12, 31}.plus_days(1) == Date{2027, 1, 1});
  CHECK(Date{2026, 3, 1}.plus_days(-1) == Date{2026, 2, 28});
  // Days start at the configured offset: 2026-11-24 17:00 UTC is already the 25th at +07:00.
  const std::int64_t midnight_utc = 1795564800;  // 2026-11-25T00:00:00Z
  CHECK(Date::from_unix(midnight_utc - 7 * 3600, 420) == Date{2026, 11, 25});
  CHECK(Date::from_unix(midnight_utc - 7 * 3600 - 1, 420) == Date{2026, 11, 24});
  CHECK(Date::from_unix(midnight_utc - 1, 0) == Date{2026, 11, 24});
  CHECK(day_start_unix(Date{2026, 11, 25}, 420) == midnight_utc - 7 * 3600);
  CHECK(day_start_unix(Date{2026, 11, 25}, -300) == midnight_utc + 5 * 3600);
  CHECK(Date{2026, 11, 5}.to_string() == "2026-11-05");
}
