// DomainHarvest: the control thread's side of the workers' blocked-domain hand-over.
#include "sprout/control/domain_harvest.hpp"

namespace sprout::control {

DomainHarvest::PerWorker& DomainHarvest::at(std::size_t i) {
  if (workers_.size() <= i) workers_.resize(i + 1);
  return workers_[i];
}

void DomainHarvest::add(PerWorker& w, const Counts& counts) {
  for (const auto& d : counts) w.totals[{d.domain, d.category}] += d.count;
}

void DomainHarvest::harvest(std::size_t i, const Ask& ask) {
  PerWorker& w = at(i);
  w.pending = ask();
  if (w.pending.wait_for(wait_) != std::future_status::ready) return;  // a worker that does not answer in time is harvested next minute
  add(w, w.pending.get());
}

void DomainHarvest::harvest_stopped(std::size_t i, const Take& take) {
  PerWorker& w = at(i);
  add(w, take());
}

DomainHarvest::Counts DomainHarvest::totals(std::size_t i) const {
  Counts out;
  if (i >= workers_.size()) return out;
  for (const auto& [key, count] : workers_[i].totals) out.push_back({key.first, key.second, count});
  return out;
}

}  // namespace sprout::control
