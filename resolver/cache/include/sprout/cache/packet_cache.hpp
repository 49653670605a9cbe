// A sharded, LRU-bounded cache of upstream answers in wire form, with serve-stale and prefetch.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "sprout/cache/answer_scan.hpp"
#include "sprout/cache/cache_key.hpp"

namespace sprout::cache {

using Clock = std::chrono::steady_clock;

struct CacheOptions {
  std::size_t max_entries = 100000;            // total over all shards; 0 disables the cache
  std::chrono::seconds min_ttl{0};
  std::chrono::seconds max_ttl{86400};
  std::chrono::seconds negative_ttl{3600};     // cap for NXDOMAIN/NODATA (RFC 2308)
  bool serve_stale = true;                     // RFC 8767
  std::chrono::seconds stale_answer_ttl{30};   // TTL written into stale answers
  std::chrono::seconds stale_max_age{86400};   // how long past expiry an entry is kept
  bool prefetch = true;
  std::uint32_t prefetch_min_hits = 2;         // fresh hits (this one included) before prefetch
  std::size_t shards = 16;                     // rounded up to a power of two, at most 1024
};

enum class LookupStatus : std::uint8_t {
  miss,        // absent, or expired and the caller did not ask for stale
  fresh,
  stale,       // expired, inside stale_max_age, and the caller asked for it
  too_small,   // an entry is there but `out` is shorter than `size`; nothing was copied
};

enum class StaleMode : std::uint8_t { refuse, accept };

struct LookupResult {
  LookupStatus status = LookupStatus::miss;
  std::size_t size = 0;          // bytes written to `out` (or needed, for too_small)
  bool should_prefetch = false;  // true once per entry: refresh it from upstream now
};

struct CacheStats {
  std::uint64_t hits = 0;        // fresh hits
  std::uint64_t stale_hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t inserts = 0;
  std::uint64_t evictions = 0;   // LRU evictions at capacity
  std::uint64_t expired = 0;     // entries dropped at lookup because they were past any use
  std::uint64_t rejected = 0;    // inserts refused (not cacheable)
  std::size_t size = 0;
};

class CacheShard;

// Thread-safe. Each shard is a mutex, an intrusive hash table and an LRU list; each entry is
// one allocation holding key, TTL-field offsets and the answer bytes. A hit copies into the
// caller's buffer and patches TTLs there, without allocating.
class PacketCache {
 public:
  explicit PacketCache(const CacheOptions& options, KeyHasher hasher = &hash_key);
  ~PacketCache();
  PacketCache(const PacketCache&) = delete;
  PacketCache& operator=(const PacketCache&) = delete;

  // Stores `answer` (as received from upstream) for `key` if it is cacheable, replacing any
  // entry for the same key. The stored copy has each record's TTL rewritten to what it may be
  // served with at age 0 (never above the entry's TTL). Returns cacheable when stored.
  AnswerStatus insert(const CacheKey& key, std::span<const std::uint8_t> answer, Clock::time_point now);

  // Copies the entry for `key` into `out` with every TTL (all sections, not OPT) reduced by
  // the entry's age, or set to stale_answer_ttl for a stale answer. The caller restores the
  // ID and question bytes. Expired entries past the stale window are dropped here.
  LookupResult lookup(const CacheKey& key, std::span<std::uint8_t> out, Clock::time_point now,
                      StaleMode stale = StaleMode::refuse);

  [[nodiscard]] std::size_t size() const noexcept;
  [[nodiscard]] CacheStats stats() const noexcept;
  [[nodiscard]] std::size_t shard_count() const noexcept { return shard_count_; }
  [[nodiscard]] bool enabled() const noexcept { return max_entries_ != 0; }
  void clear() noexcept;

 private:
  CacheShard& shard_for(std::uint64_t hash) noexcept;

  KeyHasher hasher_;
  TtlLimits limits_;
  std::size_t max_entries_;
  std::uint32_t stale_answer_ttl_;
  std::uint32_t stale_max_age_;
  bool serve_stale_;
  bool prefetch_;
  std::uint32_t prefetch_min_hits_;
  std::size_t shard_count_;
  std::unique_ptr<CacheShard[]> shards_;
};

}  // namespace sprout::cache
