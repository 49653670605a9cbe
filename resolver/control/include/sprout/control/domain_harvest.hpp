// Running totals of each worker's blocked-domain tally, which workers hand over on their own
// thread: a hand-over that arrives after the control thread stopped waiting is not lost.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sprout/core/counters.hpp"

namespace sprout::control {

class DomainHarvest {
 public:
  using Counts = std::vector<core::QueryCounters::DomainCount>;
  using Ask = std::function<std::future<Counts>()>;  // posts a take to the worker's thread
  using Take = std::function<Counts()>;              // takes directly (the worker has stopped)

  explicit DomainHarvest(std::chrono::milliseconds wait) : wait_(wait) {}

  // While worker `i` runs: asks it, unless an earlier ask is still unanswered, and adds what
  // it handed over within the wait. A late hand-over is added at a later call (the counts
  // land in a later minute), never dropped: the worker already emptied its table for it.
  void harvest(std::size_t i, const Ask& ask);
  // Once worker `i` has stopped: a hand-over that arrived late, then what is left.
  void harvest_stopped(std::size_t i, const Take& take);
  // Worker `i`'s totals since start, as the minute aggregator diffs them.
  [[nodiscard]] Counts totals(std::size_t i) const;

 private:
  struct PerWorker {
    std::future<Counts> pending;  // asked, not yet added
    std::map<std::pair<std::string, std::int16_t>, std::uint64_t> totals;
  };
  PerWorker& at(std::size_t i);
  static void add(PerWorker& w);  // the pending hand-over, which must be ready

  std::chrono::milliseconds wait_;
  std::vector<PerWorker> workers_;
};

}  // namespace sprout::control
