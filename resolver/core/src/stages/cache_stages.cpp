// Cache stages: only upstream answers are stored, keyed on the name asked upstream.
#include "sprout/core/stages/cache_stages.hpp"

#include "sprout/cache/packet_cache.hpp"
#include "sprout/core/snapshot.hpp"

namespace sprout::core {
namespace {

// Copies a cached answer into q.scratch (q.response()); the driver finishes it like an
// upstream answer (response stages, then the client's ID and question).
bool answer_from_cache(QueryContext& q, cache::StaleMode mode) {
  cache::PacketCache* c = q.snapshot->cache.get();
  if (c == nullptr || !c->enabled()) return false;
  const auto key = cache::make_key(q.view, q.upstream_name());
  if (!key) return false;
  const cache::LookupResult r = c->lookup(*key, q.scratch, cache::Clock::now(), mode);
  const bool usable = r.status == cache::LookupStatus::fresh ||
                      (mode == cache::StaleMode::accept && r.status == cache::LookupStatus::stale);
  if (!usable) return false;
  q.source = AnswerSource::cache;
  q.prefetch = r.should_prefetch;
  q.response_size = r.size;
  return true;
}

}  // namespace

Verdict CacheLookup::on_query(QueryContext& q) const {
  return answer_from_cache(q, cache::StaleMode::refuse) ? Verdict::answered : Verdict::next;
}

Verdict CacheInsert::on_response(QueryContext& q, std::span<std::uint8_t>& answer) const {
  cache::PacketCache* c = q.snapshot->cache.get();
  if (c == nullptr || q.source != AnswerSource::upstream) return Verdict::next;
  if (const auto key = cache::make_key(q.view, q.upstream_name())) (void)c->insert(*key, answer, cache::Clock::now());
  return Verdict::next;
}

bool serve_stale(QueryContext& q) { return answer_from_cache(q, cache::StaleMode::accept); }

}  // namespace sprout::core
