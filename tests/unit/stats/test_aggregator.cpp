// MinuteAggregator: deltas across workers, minute boundaries and worker restarts.
#include <catch2/catch.hpp>

#include "sprout/stats/minute_aggregator.hpp"

using namespace sprout::stats;
using sprout::core::QueryCounters;
using sprout::core::ReportAction;

namespace {

std::uint64_t find(const MinuteBatch& b, const std::string& net, const std::string& cat, const std::string& action) {
  for (const auto& r : b.rows)
    if (r.network == net && r.category == cat && r.action == action) return r.count;
  return 0;
}

}  // namespace

TEST_CASE("aggregator sums workers and emits deltas per minute") {
  QueryCounters w0, w1;
  MinuteAggregator agg({"classroom", "staff"}, {"adult", "gambling"});
  w0.count(0, -1, ReportAction::allowed);
  w0.count(0, 0, ReportAction::blocked);
  w1.count(0, 0, ReportAction::blocked);
  w1.count(1, -1, ReportAction::allowed);
  w1.count_blocked_domain("bad.example", 0);
  w0.count_blocked_domain("bad.example", 0);

  const auto first = agg.collect(1'700'000'030, {read_worker(w0), read_worker(w1)});
  CHECK(first.minute == 1'700'000'030 - 1'700'000'030 % 60);
  CHECK(find(first, "classroom", "", "allowed") == 1);
  CHECK(find(first, "classroom", "adult", "blocked") == 2);
  CHECK(find(first, "staff", "", "allowed") == 1);
  REQUIRE(first.blocked_domains.size() == 1);
  CHECK(first.blocked_domains[0].count == 2);
  CHECK(first.blocked_domains[0].category == "adult");
  CHECK(first.blocked_domains[0].day == "2023-11-14");

  SECTION("the next minute only carries what happened since") {
    w0.count(0, 0, ReportAction::blocked);
    const auto second = agg.collect(1'700'000'090, {read_worker(w0), read_worker(w1)});
    // Attributed to the minute the interval began (the previous read).
    CHECK(second.minute == first.minute);
    CHECK(second.rows.size() == 1);
    CHECK(find(second, "classroom", "adult", "blocked") == 1);
    CHECK(second.blocked_domains.empty());
    const auto third = agg.collect(1'700'000'150, {read_worker(w0), read_worker(w1)});
    CHECK(third.minute == first.minute + 60);
    CHECK(third.empty());
  }
  SECTION("a restarted worker counts from zero again") {
    w1.count(0, 0, ReportAction::blocked);
    w1.count(0, 0, ReportAction::blocked);  // w1's total is now 3
    CHECK(find(agg.collect(1'700'000'060, {read_worker(w0), read_worker(w1)}), "classroom", "adult", "blocked") == 2);
    QueryCounters fresh;
    fresh.count(0, 0, ReportAction::blocked);  // 1 < 3: w1 restarted
    const auto next = agg.collect(1'700'000'090, {read_worker(w0), read_worker(fresh)});
    CHECK(find(next, "classroom", "adult", "blocked") == 1);
    CHECK(find(next, "staff", "", "allowed") == 0);
  }
  SECTION("a worker added later starts from zero") {
    QueryCounters added;
    added.count(1, 1, ReportAction::bypass_blocked);
    const auto next = agg.collect(1'700'000'090, {read_worker(w0), read_worker(w1), read_worker(added)});
    CHECK(find(next, "staff", "gambling", "bypass-blocked") == 1);
    CHECK(next.rows.size() == 1);
  }
}

TEST_CASE("aggregator names unknown indices and uses the local day") {
  MinuteAggregator agg({"only"}, {"adult"}, 420);
  WorkerRead r;
  r.cells.push_back({7, 3, ReportAction::blocked, 4});
  r.blocked_domains.push_back({"x.example", 0, 2});
  // 2026-11-26 17:00 UTC is 2026-11-27 00:00 in UTC+7.
  const auto b = agg.collect(1'795'712'400, {r});
  REQUIRE(b.rows.size() == 1);
  CHECK(b.rows[0].network == "(other)");
  CHECK(b.rows[0].category == "(other)");
  CHECK(b.blocked_domains[0].day == "2026-11-27");
}
