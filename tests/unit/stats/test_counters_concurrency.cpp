// QueryCounters across threads, as the server uses them (run under ThreadSanitizer by
// tests/run-all.sh): a worker counts while the control thread reads cells and latency for
// /metrics and the minute aggregation; nothing is lost and totals only grow.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "sprout/core/counters.hpp"
#include "sprout/stats/minute_aggregator.hpp"

using sprout::core::QueryCounters;
using sprout::core::ReportAction;
using namespace sprout::stats;

namespace {

std::uint64_t total(const std::vector<QueryCounters::Cell>& cells) {
  std::uint64_t sum = 0;
  for (const auto& c : cells) sum += c.count;
  return sum;
}

std::uint64_t total(const MinuteBatch& b) {
  std::uint64_t sum = 0;
  for (const auto& r : b.rows) sum += r.count;
  return sum;
}

}  // namespace

TEST_CASE("a worker counts while the control thread reads; the minutes add up to every query") {
  constexpr int kQueries = 20000;
  QueryCounters counters;
  std::atomic<bool> done{false};
  std::thread worker([&] {
    for (int i = 0; i < kQueries; ++i) {
      const bool blocked = i % 4 == 0;
      counters.count(static_cast<std::size_t>(i % 3), blocked ? 1 : -1,
                     blocked ? ReportAction::blocked : ReportAction::allowed);
      if (blocked) counters.count_blocked_domain("bet" + std::to_string(i % 7) + ".example", 1);
      counters.observe_latency_us(static_cast<std::uint64_t>(i % 2000));
    }
    done.store(true, std::memory_order_release);
  });

  // The control thread: metrics reads and minute batches, as often as it can.
  MinuteAggregator agg({"a", "b", "c"}, {"adult", "gambling"});
  std::uint64_t collected = 0, last_total = 0, shrank = 0, reads = 0;
  std::int64_t now = 1'700'000'000;
  while (!done.load(std::memory_order_acquire)) {
    const auto cells = counters.cells();
    const std::uint64_t t = total(cells);
    shrank += t < last_total ? 1 : 0;
    last_total = t;
    std::uint64_t histogram = 0;
    for (const auto b : counters.latency_buckets()) histogram += b;
    (void)counters.latency_sum_us();
    collected += total(agg.collect(now += 60, {WorkerRead{cells, {}}}));
    reads += histogram > 0 ? 1 : 0;
  }
  worker.join();
  collected += total(agg.collect(now += 60, {WorkerRead{counters.cells(), {}}}));

  CHECK(shrank == 0);
  CHECK(collected == static_cast<std::uint64_t>(kQueries));
  CHECK(total(counters.cells()) == static_cast<std::uint64_t>(kQueries));
  std::uint64_t histogram = 0;
  for (const auto b : counters.latency_buckets()) histogram += b;
  CHECK(histogram == static_cast<std::uint64_t>(kQueries));
  // The blocked-domain tally is the worker's own (harvested on its thread); read it after the join.
  std::uint64_t blocked = 0;
  for (const auto& d : counters.blocked_domains()) blocked += d.count;
  CHECK(blocked == static_cast<std::uint64_t>(kQueries / 4));
  INFO("control-thread reads that saw latency: " << reads);
}
