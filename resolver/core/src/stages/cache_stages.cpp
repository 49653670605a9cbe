// Cache stages: only upstream answers are stored; every hit still passes the response stages.
#include "sprout/core/stages/cache_stages.hpp"

#include "sprout/cache/packet_cache.hpp"
#include "sprout/core/engine.hpp"
#include "sprout/core/snapshot.hpp"

namespace sprout::core {
namespace {

// Copies a cached answer into q.scratch and finishes it like an upstream answer.
bool answer_from_cache(QueryContext& q, cache::StaleMode mode) {
  cache::PacketCache* c = q.snapshot->cache.get();
  if (c == nullptr || !c->enabled() || q.decision.kind == DecisionKind::rewrite) return false;
  const auto key = cache::make_key(q.view);
  if (!key) return false;
  const cache::LookupResult r = c->lookup(*key, q.scratch, cache::Clock::now(), mode);
  const bool usable = r.status == cache::LookupStatus::fresh ||
                      (mode == cache::StaleMode::accept && r.status == cache::LookupStatus::stale);
  if (!usable) return false;
  q.source = AnswerSource::cache;
  q.prefetch = r.should_prefetch;
  const auto out = finish_answer(q, q.scratch.first(r.size));
  if (out.empty()) return false;
  // finish_answer leaves its result at the start of q.scratch (in place, or rewritten there).
  q.response_size = out.size();
  return true;
}

}  // namespace

Verdict CacheLookup::on_query(QueryContext& q) const {
  return answer_from_cache(q, cache::StaleMode::refuse) ? Verdict::respond : Verdict::next;
}

Verdict CacheInsert::on_response(QueryContext& q, std::span<std::uint8_t> answer) const {
  cache::PacketCache* c = q.snapshot->cache.get();
  if (c == nullptr || q.source != AnswerSource::upstream || q.decision.kind == DecisionKind::rewrite) {
    return Verdict::next;
  }
  if (const auto key = cache::make_key(q.view)) (void)c->insert(*key, answer, cache::Clock::now());
  return Verdict::next;
}

bool serve_stale(QueryContext& q) { return answer_from_cache(q, cache::StaleMode::accept); }

}  // namespace sprout::core
