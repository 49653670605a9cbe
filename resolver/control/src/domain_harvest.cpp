// DomainHarvest: the control thread's side of the workers' blocked-domain hand-over.
#include "sprout/control/domain_harvest.hpp"

namespace sprout::control {

DomainHarvest::PerWorker& DomainHarvest::at(std::size_t i) {
  if (workers_.size() <= i) workers_.resize(i + 1);
  return workers_[i];
}

void DomainHarvest::add(PerWorker& w) {
  try {
    for (const auto& d : w.pending.get()) w.totals[{d.domain, d.category}] += d.count;
  } catch (const std::future_error&) {
    // The take was destroyed unrun (its io_context went away): the table was not emptied,
    // so nothing was lost; harvest_stopped() takes it directly.
  }
}

void DomainHarvest::harvest(std::size_t i, const Ask& ask) {
  PerWorker& w = at(i);
  // The take empties the worker's table when it runs, even after we stopped waiting: so an
  // unanswered ask is kept and read later, and no second ask is posted behind it.
  if (!w.pending.valid()) w.pending = ask();
  if (w.pending.wait_for(wait_) == std::future_status::ready) add(w);
}

void DomainHarvest::harvest_stopped(std::size_t i, const Take& take) {
  PerWorker& w = at(i);
  // The worker's thread has ended: a pending take either ran (ready) or never will.
  if (w.pending.valid() && w.pending.wait_for(std::chrono::seconds(0)) == std::future_status::ready) add(w);
  w.pending = {};
  for (const auto& d : take()) w.totals[{d.domain, d.category}] += d.count;
}

DomainHarvest::Counts DomainHarvest::totals(std::size_t i) const {
  Counts out;
  if (i >= workers_.size()) return out;
  for (const auto& [key, count] : workers_[i].totals) out.push_back({key.first, key.second, count});
  return out;
}

}  // namespace sprout::control
