// Turns successive reads of the workers' monotonic counters into per-minute deltas.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "sprout/core/counters.hpp"

namespace sprout::stats {

struct MinuteRow {
  std::string network;   // network name
  std::string category;  // category name, "" for none
  std::string action;    // report_action_name()
  std::uint64_t count = 0;
  bool operator==(const MinuteRow&) const = default;
};

struct BlockedDomainRow {
  std::string day;       // local date "YYYY-MM-DD"
  std::string domain;
  std::string category;
  std::uint64_t count = 0;
  bool operator==(const BlockedDomainRow&) const = default;
};

struct MinuteBatch {
  std::int64_t minute = 0;  // unix seconds, floored to 60
  std::vector<MinuteRow> rows;
  std::vector<BlockedDomainRow> blocked_domains;
  [[nodiscard]] bool empty() const noexcept { return rows.empty() && blocked_domains.empty(); }
};

// One worker's counters at one moment.
struct WorkerRead {
  std::vector<core::QueryCounters::Cell> cells;
  std::vector<core::QueryCounters::DomainCount> blocked_domains;
};

[[nodiscard]] WorkerRead read_worker(const core::QueryCounters& counters);

class MinuteAggregator {
 public:
  // Names by index: networks as in config.networks, categories as in config.categories.
  MinuteAggregator(std::vector<std::string> network_names, std::vector<std::string> category_names,
                   int utc_offset_minutes = 0);

  // New names after a reload; indices in later reads refer to these.
  void set_names(std::vector<std::string> network_names, std::vector<std::string> category_names);

  // Diffs `reads` (index = worker) against the previous call and sums the workers' deltas.
  // A total that went down means the worker restarted: its new total is the delta. The
  // counts are attributed to the minute the interval started (the previous call; the
  // first call uses `now`), so call it once a minute from a timer.
  [[nodiscard]] MinuteBatch collect(std::int64_t now, const std::vector<WorkerRead>& reads);

 private:
  using CellKey = std::tuple<std::uint16_t, std::int16_t, std::uint8_t>;
  using DomainKey = std::pair<std::string, std::int16_t>;
  struct WorkerState {
    std::map<CellKey, std::uint64_t> cells;
    std::map<DomainKey, std::uint64_t> domains;
  };
  [[nodiscard]] std::string network_name(std::uint16_t index) const;
  [[nodiscard]] std::string category_name(std::int16_t index) const;

  std::vector<std::string> networks_;
  std::vector<std::string> categories_;
  int utc_offset_minutes_ = 0;
  std::int64_t last_read_ = -1;
  std::vector<WorkerState> workers_;
};

}  // namespace sprout::stats
