// UpstreamPool: the upstream set follows the snapshot, never the process's start.
#include "sprout/net/upstream_pool.hpp"

#include <algorithm>

#include "sprout/core/log.hpp"

namespace sprout::net {

UpstreamPool::~UpstreamPool() {
  current_.reset();  // pending queries end here as cancelled (ARES_EDESTRUCTION)
  draining_.clear();
}

Forwarder& UpstreamPool::forwarder_for(const core::Snapshot& snap) {
  if (current_ && snap.generation == checked_generation_) return *current_;
  const config::Config& cfg = *snap.config;
  // Old channels are destroyed only once empty, and never from inside their own callback:
  // this runs when a query starts, outside any c-ares callback.
  std::erase_if(draining_, [](const auto& f) { return f->pending() == 0; });
  checked_generation_ = snap.generation;
  if (current_ && current_->upstreams() == cfg.upstreams) return *current_;
  if (current_) {
    core::log::info("upstreams changed: ", cfg.upstreams.size(), " in use, old channels drain");
    draining_.push_back(std::move(current_));
  }
  for (auto& c : counters_) c.queries = c.failures = c.latency_us = 0;  // counters follow the new set
  current_ = std::make_unique<Forwarder>(io_, cfg.upstreams, std::span<UpstreamCounters, kMaxUpstreams>(counters_));
  return *current_;
}

void UpstreamPool::resolve(std::unique_ptr<core::PendingQuery> p) {
  forwarder_for(*p->snapshot).resolve(std::move(p));
}

}  // namespace sprout::net
