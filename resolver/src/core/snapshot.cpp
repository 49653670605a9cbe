// Snapshot construction, the one place that decides stage order, and atomic publication.
#include "sprout/resolver/snapshot.hpp"

#include "sprout/resolver/stages/access_control.hpp"
#include "sprout/resolver/stages/policy_decision.hpp"

namespace sprout::resolver {

Snapshot::Snapshot(std::shared_ptr<const config::Config> cfg, std::shared_ptr<const blocklists::DomainIndex> index)
    : config(std::move(cfg)),
      lists(std::move(index)),
      networks(*config),
      profiles(compile_profiles(*config)),
      pipeline(build_pipeline(*config, networks)) {}

std::chrono::system_clock::time_point Snapshot::clock_now() const { return std::chrono::system_clock::now(); }

Pipeline build_pipeline(const config::Config& cfg, const NetworkTable& networks) {
  Pipeline p;
  p.query<AccessControl>(networks);  // first: refuse unknown networks before any work
  p.query<PolicyDecision>();         // overrides, then categories; needs q.network from above
  // -- then the one async step: upstream --
  return p;
}

void SnapshotHolder::publish(std::shared_ptr<Snapshot> next) {
  next->generation = generation_.load(std::memory_order_relaxed) + 1;
  current_.store(std::move(next), std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_release);
}

}  // namespace sprout::resolver
