// Snapshot construction, the one place that decides stage order, and atomic publication.
#include "sprout/core/snapshot.hpp"

#include "sprout/time/clock.hpp"
#include "sprout/core/stages/access_control.hpp"
#include "sprout/core/stages/answer_stages.hpp"
#include "sprout/core/stages/cache_stages.hpp"
#include "sprout/core/stages/device_identity.hpp"
#include "sprout/core/stages/finalize_stages.hpp"
#include "sprout/core/stages/policy_decision.hpp"
#include "sprout/core/stages/proxy_unwrap.hpp"
#include "sprout/core/stages/rate_limit.hpp"
#include "sprout/core/stages/rebinding_protection.hpp"
#include "sprout/core/stages/safesearch_answer.hpp"

namespace sprout::core {

Snapshot::Snapshot(std::shared_ptr<const config::Config> cfg, SnapshotLists index)
    : config(std::move(cfg)),
      lists(std::move(index)),
      networks(*config),
      devices(*config),
      directory(std::make_shared<DeviceDirectory>(config->dhcp_leases)),
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
  // -- ingress: before the message is parsed --
  p.ingress<ProxyUnwrap>(cfg);       // first: every later step must see the real client
  // -- the driver parses the query here (FORMERR, NOTIMP, drops) --
  p.query<DeviceIdentity>();         // before access control: a trusted router's client subnet is
                                     // the client it checks; reads options, never answers
  p.query<AccessControl>(networks);  // refuse unknown networks before any work
  p.query<RateLimit>();              // before any real work, keyed on the real (PROXY v2) client;
                                     // after access control so strangers never fill the table
  p.query<PolicyDecision>();         // overrides, bypass, schedules, SafeSearch, categories; needs q.network
  p.query<CacheLookup>();            // after policy: the cache holds only upstream answers, so a
                                     // policy change can never be bypassed by a cached answer
  // -- then the one async step: upstream on a miss (serve-stale and prefetch belong to it);
  //    the driver admits a miss only under the upstream_limit counts --
  p.response<CacheInsert>();         // first: store upstream's answer before it is tailored
  p.response<AnswerInspection>();    // CNAME cloaking and answer addresses; also on cache hits
  p.response<RebindingProtection>(); // after inspection (a category says more); before SafeSearch
                                     // rewrites the answer, on cached answers too
  p.response<SafeSearchAnswer>();    // after inspection and caching, which see the safe host's answer
  p.response<TtlClamp>();            // last: never past the profile's next schedule change
  // -- finalize: every answer, whatever its source --
  p.finalize<RestoreClientView>();   // the client's ID and question on what came from elsewhere
  p.finalize<ClientEdns>();          // OPT and RA/RD follow the client's query, never the stored packet
  p.finalize<Truncate>();            // last: the size limit applies to the final bytes
  return p;
}

void SnapshotHolder::publish(std::shared_ptr<Snapshot> next) {
  next->generation = generation_.load(std::memory_order_relaxed) + 1;
  current_.store(std::move(next), std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_release);
  if (on_publish_) on_publish_();
}

}  // namespace sprout::core
