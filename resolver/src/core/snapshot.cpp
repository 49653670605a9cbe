// Snapshot construction, the one place that decides stage order, and atomic publication.
#include "sprout/resolver/snapshot.hpp"

#include "sprout/resolver/stages/access_control.hpp"

namespace sprout::resolver {

Snapshot::Snapshot(std::shared_ptr<const config::Config> cfg)
    : config(std::move(cfg)), networks(*config), pipeline(build_pipeline(*config, networks)) {}

Pipeline build_pipeline(const config::Config& cfg, const NetworkTable& networks) {
  Pipeline p;
  p.query<AccessControl>(networks);  // first: refuse unknown networks before any work
  // -- then the one async step: upstream --
  return p;
}

void SnapshotHolder::publish(std::shared_ptr<Snapshot> next) {
  next->generation = generation_.load(std::memory_order_relaxed) + 1;
  current_.store(std::move(next), std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_release);
}

}  // namespace sprout::resolver
