// The sharded packet cache: insert, lookup with TTL patching, serve-stale, prefetch.
#include "sprout/cache/packet_cache.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <mutex>

#include "cache_shard.hpp"

namespace sprout::cache {
namespace {

constexpr std::size_t kMaxShards = 1024;
constexpr std::uint16_t kTypeOpt = static_cast<std::uint16_t>(dns::RrType::opt);

std::uint32_t to_seconds(std::chrono::seconds s) noexcept {
  return static_cast<std::uint32_t>(std::clamp<std::chrono::seconds::rep>(s.count(), 0, 0x7fffffff));
}

// A power of two, and never more shards than entries: every shard holds at least one entry,
// so the per-shard capacities add up to exactly max_entries.
std::size_t shard_count_for(const CacheOptions& options) noexcept {
  std::size_t n = std::bit_ceil(std::clamp<std::size_t>(options.shards, 1, kMaxShards));
  while (n > 1 && n > options.max_entries) n >>= 1;
  return n;
}

std::uint64_t age_seconds(Clock::time_point inserted, Clock::time_point now) noexcept {
  if (now <= inserted) return 0;  // a caller's clock going backwards must not underflow
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(now - inserted).count());
}

// Copies the classified answer into the entry, remembers where each TTL sits, and rewrites
// each TTL to what it may be served with at age 0: raised to min_ttl, never above entry TTL.
// The bytes were classified already, so the record count matches; false if it ever did not.
bool fill_entry(CacheEntry& entry, std::span<const std::uint8_t> wire, std::uint32_t min_ttl) noexcept {
  std::memcpy(entry.wire(), wire.data(), wire.size());
  std::uint16_t* offsets = entry.ttl_offsets();
  std::size_t n = 0;
  walk_records(std::span<const std::uint8_t>(entry.wire(), entry.wire_size), [&](const RecordRef& rr) {
    if (rr.type == kTypeOpt || n >= entry.ttl_count) return;  // OPT's TTL field holds EDNS flags
    offsets[n++] = static_cast<std::uint16_t>(rr.ttl_offset);
    const std::uint32_t ttl = std::min(std::max(sane_ttl(rr.ttl), min_ttl), entry.ttl);
    dns::put32(entry.wire() + rr.ttl_offset, ttl);
  });
  return n == entry.ttl_count;
}

// Copies an entry out, every TTL aged by `age` seconds (or set to `fixed_ttl` if stale).
void copy_out(const CacheEntry& entry, std::uint8_t* out, bool stale, std::uint64_t age,
              std::uint32_t fixed_ttl) noexcept {
  std::memcpy(out, entry.wire(), entry.wire_size);
  const std::uint16_t* offsets = entry.ttl_offsets();
  for (std::size_t i = 0; i < entry.ttl_count; ++i) {
    std::uint32_t ttl = fixed_ttl;
    if (!stale) {
      const std::uint32_t stored = dns::get32(entry.wire() + offsets[i]);
      ttl = stored > age ? static_cast<std::uint32_t>(stored - age) : 0;
    }
    dns::put32(out + offsets[i], ttl);
  }
}

// Prefetch once per entry, when a popular entry is in the last 10% of its TTL.
bool take_prefetch(CacheEntry& entry, std::uint64_t age, std::uint32_t min_hits) noexcept {
  if (entry.prefetch_signalled || entry.hits < min_hits) return false;
  const std::uint64_t remaining = entry.ttl - age;  // age < ttl here
  if (remaining * 10 > entry.ttl) return false;
  entry.prefetch_signalled = true;
  return true;
}

}  // namespace

PacketCache::PacketCache(const CacheOptions& options, KeyHasher hasher)
    : hasher_(hasher != nullptr ? hasher : &hash_key),
      limits_{to_seconds(options.min_ttl), std::max(to_seconds(options.min_ttl), to_seconds(options.max_ttl)),
              to_seconds(options.negative_ttl)},
      max_entries_(options.max_entries),
      stale_answer_ttl_(to_seconds(options.stale_answer_ttl)),
      stale_max_age_(to_seconds(options.stale_max_age)),
      serve_stale_(options.serve_stale),
      prefetch_(options.prefetch),
      prefetch_min_hits_(options.prefetch_min_hits),
      shard_count_(shard_count_for(options)),
      shards_(std::make_unique<CacheShard[]>(shard_count_)) {
  const std::size_t base = max_entries_ / shard_count_;
  const std::size_t extra = max_entries_ % shard_count_;
  for (std::size_t i = 0; i < shard_count_; ++i) shards_[i].init(base + (i < extra ? 1 : 0));
}

PacketCache::~PacketCache() = default;

CacheShard& PacketCache::shard_for(std::uint64_t hash) noexcept {
  // High bits pick the shard; the shard's table uses the low bits.
  return shards_[(hash >> 40) & (shard_count_ - 1)];
}

AnswerStatus PacketCache::insert(const CacheKey& key, std::span<const std::uint8_t> answer, Clock::time_point now) {
  if (!enabled()) return AnswerStatus::disabled;
  const std::uint64_t hash = hasher_(key);
  CacheShard& shard = shard_for(hash);
  const AnswerVerdict verdict = classify_answer(answer, key, limits_);
  AnswerStatus status = verdict.status;
  EntryPtr entry;
  if (status == AnswerStatus::cacheable) {
    // Allocate and fill outside the lock: only the link-in is serialized.
    entry = allocate_entry(key, hash, verdict.ttl_records, verdict.end);
    if (entry == nullptr) status = AnswerStatus::no_memory;
  }
  if (status != AnswerStatus::cacheable) {
    shard.counters().rejected.fetch_add(1, std::memory_order_relaxed);
    return status;
  }
  entry->ttl = verdict.ttl;
  entry->inserted = now;
  if (!fill_entry(*entry, answer.first(verdict.end), limits_.min_ttl)) {
    shard.counters().rejected.fetch_add(1, std::memory_order_relaxed);
    return AnswerStatus::malformed;
  }
  std::lock_guard lock(shard.mutex());
  shard.put(std::move(entry), key);
  shard.counters().inserts.fetch_add(1, std::memory_order_relaxed);
  return AnswerStatus::cacheable;
}

LookupResult PacketCache::lookup(const CacheKey& key, std::span<std::uint8_t> out, Clock::time_point now,
                                 StaleMode stale) {
  if (!enabled()) return {};
  const std::uint64_t hash = hasher_(key);
  CacheShard& shard = shard_for(hash);
  ShardCounters& counters = shard.counters();
  std::lock_guard lock(shard.mutex());
  CacheEntry* entry = shard.find(hash, key);
  if (entry == nullptr) {
    counters.misses.fetch_add(1, std::memory_order_relaxed);
    return {};
  }
  const std::uint64_t age = age_seconds(entry->inserted, now);
  const bool fresh = age < entry->ttl;
  if (!fresh && !(serve_stale_ && age - entry->ttl < stale_max_age_)) {
    shard.erase(entry);  // past any use: free it now rather than wait for LRU
    counters.expired.fetch_add(1, std::memory_order_relaxed);
    counters.misses.fetch_add(1, std::memory_order_relaxed);
    return {};
  }
  if (!fresh && stale == StaleMode::refuse) {
    // Kept: the resolver asks again with accept once every upstream has failed (RFC 8767).
    counters.misses.fetch_add(1, std::memory_order_relaxed);
    return {};
  }
  if (out.size() < entry->wire_size) return {LookupStatus::too_small, entry->wire_size, false};
  copy_out(*entry, out.data(), !fresh, age, stale_answer_ttl_);
  shard.touch(entry);
  if (!fresh) {
    counters.stale_hits.fetch_add(1, std::memory_order_relaxed);
    return {LookupStatus::stale, entry->wire_size, false};
  }
  counters.hits.fetch_add(1, std::memory_order_relaxed);
  if (entry->hits < UINT32_MAX) ++entry->hits;
  const bool prefetch = prefetch_ && take_prefetch(*entry, age, prefetch_min_hits_);
  return {LookupStatus::fresh, entry->wire_size, prefetch};
}

std::size_t PacketCache::size() const noexcept {
  std::size_t total = 0;
  for (std::size_t i = 0; i < shard_count_; ++i) total += shards_[i].counters().size.load(std::memory_order_relaxed);
  return total;
}

CacheStats PacketCache::stats() const noexcept {
  CacheStats s;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    const ShardCounters& c = shards_[i].counters();
    s.hits += c.hits.load(std::memory_order_relaxed);
    s.stale_hits += c.stale_hits.load(std::memory_order_relaxed);
    s.misses += c.misses.load(std::memory_order_relaxed);
    s.inserts += c.inserts.load(std::memory_order_relaxed);
    s.evictions += c.evictions.load(std::memory_order_relaxed);
    s.expired += c.expired.load(std::memory_order_relaxed);
    s.rejected += c.rejected.load(std::memory_order_relaxed);
    s.size += c.size.load(std::memory_order_relaxed);
  }
  return s;
}

void PacketCache::clear() noexcept {
  for (std::size_t i = 0; i < shard_count_; ++i) {
    std::lock_guard lock(shards_[i].mutex());
    shards_[i].clear();
  }
}

}  // namespace sprout::cache
