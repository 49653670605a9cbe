// MinuteAggregator: per-worker diffs of monotonic totals, summed into one minute batch.
#include "sprout/stats/minute_aggregator.hpp"

#include "sprout/stats/status.hpp"

namespace sprout::stats {
namespace {

// A total below the previous one means the worker started again from zero.
std::uint64_t delta(std::uint64_t now, std::uint64_t before) noexcept { return now >= before ? now - before : now; }

}  // namespace

WorkerRead read_worker(const core::QueryCounters& counters) {
  return WorkerRead{counters.cells(), counters.blocked_domains()};
}

MinuteAggregator::MinuteAggregator(std::vector<std::string> network_names, std::vector<std::string> category_names,
                                   int utc_offset_minutes)
    : networks_(std::move(network_names)),
      categories_(std::move(category_names)),
      utc_offset_minutes_(utc_offset_minutes) {}

void MinuteAggregator::set_names(std::vector<std::string> network_names, std::vector<std::string> category_names) {
  networks_ = std::move(network_names);
  categories_ = std::move(category_names);
}

std::string MinuteAggregator::network_name(std::uint16_t index) const {
  if (index < networks_.size()) return networks_[index];
  return "(other)";  // the counters' shared last row, or a network gone after a reload
}

std::string MinuteAggregator::category_name(std::int16_t index) const {
  if (index < 0) return "";
  if (static_cast<std::size_t>(index) < categories_.size()) return categories_[static_cast<std::size_t>(index)];
  return "(other)";
}

MinuteBatch MinuteAggregator::collect(std::int64_t now, const std::vector<WorkerRead>& reads) {
  const std::int64_t start = last_read_ < 0 ? now : last_read_;
  last_read_ = now;
  if (workers_.size() < reads.size()) workers_.resize(reads.size());

  std::map<CellKey, std::uint64_t> cell_sum;
  std::map<DomainKey, std::uint64_t> domain_sum;
  for (std::size_t w = 0; w < reads.size(); ++w) {
    WorkerState& state = workers_[w];
    for (const auto& c : reads[w].cells) {
      const CellKey key{c.network, c.category, static_cast<std::uint8_t>(c.action)};
      std::uint64_t& before = state.cells[key];
      if (const auto d = delta(c.count, before); d > 0) cell_sum[key] += d;
      before = c.count;
    }
    for (const auto& d : reads[w].blocked_domains) {
      DomainKey key{d.domain, d.category};
      std::uint64_t& before = state.domains[key];
      if (const auto n = delta(d.count, before); n > 0) domain_sum[key] += n;
      before = d.count;
    }
  }

  MinuteBatch batch;
  batch.minute = start - (((start % 60) + 60) % 60);
  for (const auto& [key, count] : cell_sum) {
    const auto& [net, cat, action] = key;
    batch.rows.push_back(MinuteRow{network_name(net), category_name(cat),
                                   std::string(core::report_action_name(static_cast<core::ReportAction>(action))),
                                   count});
  }
  const std::string day = Date::from_unix(batch.minute, utc_offset_minutes_).to_string();
  for (const auto& [key, count] : domain_sum) {
    batch.blocked_domains.push_back(BlockedDomainRow{day, key.first, category_name(key.second), count});
  }
  return batch;
}

}  // namespace sprout::stats
