// A fixed small stats data set shared by the report, golden and command tests.
#pragma once

#include "sprout/stats/stats_store.hpp"
#include "temp_dir.hpp"

namespace sprout::stats::test {

inline constexpr int kOffset = 420;  // Asia/Ho_Chi_Minh
// 2026-11-25 08:00 and 2026-11-26 09:30 local; the report is generated 2026-11-27 07:00 local.
inline const std::int64_t kDay1 = day_start_unix(Date{2026, 11, 25}, kOffset) + 8 * 3600;
inline const std::int64_t kDay2 = day_start_unix(Date{2026, 11, 26}, kOffset) + 9 * 3600 + 1800;
inline const std::int64_t kNow = day_start_unix(Date{2026, 11, 27}, kOffset) + 7 * 3600;

inline StatsOptions fixture_options(const TempDir& dir) {
  StatsOptions o{dir.file("stats.db")};
  o.utc_offset_minutes = kOffset;
  return o;
}

inline void fill_fixture(StatsStore& store) {
  MinuteBatch a;
  a.minute = kDay1;
  a.rows = {{"classroom", "", "allowed", 120},     {"classroom", "adult", "blocked", 12},
            {"classroom", "gambling", "blocked", 3}, {"classroom", "", "safesearch", 7},
            {"classroom", "bypass", "bypass-blocked", 2}, {"staff", "", "allowed", 40},
            {"staff", "social", "blocked", 6},      {"home", "", "allowed", 9},
            {"home", "adult", "blocked", 5}};
  a.blocked_domains = {{"2026-11-25", "porn.example", "adult", 10}, {"2026-11-25", "adult.example", "adult", 3},
                       {"2026-11-25", "casino.example", "gambling", 3}, {"2026-11-25", "social.example", "social", 6}};
  MinuteBatch b;
  b.minute = kDay2;
  b.rows = {{"classroom", "", "allowed", 100}, {"classroom", "adult", "blocked", 8},
            {"classroom", "bypass", "bypass-blocked", 4}};
  b.blocked_domains = {{"2026-11-26", "porn.example", "adult", 5}};
  REQUIRE(store.flush(a));
  REQUIRE(store.flush(b));
  REQUIRE(store.record_networks({{"classroom", {{"district", "Q1"}, {"school", "THCS A"}}},
                                 {"staff", {{"district", "Q1"}, {"school", "THCS A"}}},
                                 {"home", {{"district", "Q3"}}}}));
  REQUIRE(store.record_lists({{"ut1-adult", "adult", 120000, kDay1 - 3600, ListState::ok},
                              {"gambling-vn", "gambling", 850, kDay1 - 86400 * 3, ListState::stale},
                              {"social", "social", 0, 0, ListState::never_loaded}}));
}

}  // namespace sprout::stats::test
