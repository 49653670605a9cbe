// Snapshot construction, the one place that decides stage order, and atomic publication.
#include "sprout/core/snapshot.hpp"

#include "sprout/time/clock.hpp"
#include "sprout/core/stages/access_control.hpp"
#include "sprout/core/stages/answer_stages.hpp"
#include "sprout/core/stages/cache_stages.hpp"
#include "sprout/core/stages/policy_decision.hpp"

namespace sprout::core {

Snapshot::Snapshot(std::shared_ptr<const config::Config> cfg, std::shared_ptr<const blocklists::DomainIndex> index)
    : config(std::move(cfg)),
      lists(std::move(index)),
      networks(*config),
      profiles(compile_profiles(*config)),
      bypass_categories(category_mask(*config, {"bypass"})),
      pipeline(build_pipeline(*config, networks)) {}

const time::Clock& process_clock() {
  static const time::Clock clock = time::Clock::from_environment();
  return clock;
}

std::chrono::system_clock::time_point Snapshot::clock_now() const { return process_clock().now(); }

Pipeline build_pipeline(const config::Config& cfg, const NetworkTable& networks) {
  Pipeline p;
  p.query<AccessControl>(networks);  // first: refuse unknown networks before any work
  p.query<PolicyDecision>();         // overrides, bypass, schedules, SafeSearch, categories; needs q.network
  p.query<CacheLookup>();            // after policy: the cache holds only upstream answers, so a
                                     // policy change can never be bypassed by a cached answer
  // -- then the one async step: upstream on a miss --
  p.response<CacheInsert>();         // first: store upstream's answer before it is tailored
  p.response<AnswerInspection>();    // CNAME cloaking and answer addresses; also on cache hits
  p.response<TtlClamp>();            // last: never past the profile's next schedule change
  return p;
}

void SnapshotHolder::publish(std::shared_ptr<Snapshot> next) {
  next->generation = generation_.load(std::memory_order_relaxed) + 1;
  current_.store(std::move(next), std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_release);
  if (on_publish_) on_publish_();
}

}  // namespace sprout::core
