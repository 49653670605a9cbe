// One cache shard: a mutex, an intrusive chained hash table and an LRU list of entries.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "cache_entry.hpp"

namespace sprout::cache {

// Written under the shard mutex, read without it by stats(): hence relaxed atomics.
struct ShardCounters {
  std::atomic<std::uint64_t> hits{0};
  std::atomic<std::uint64_t> stale_hits{0};
  std::atomic<std::uint64_t> misses{0};
  std::atomic<std::uint64_t> inserts{0};
  std::atomic<std::uint64_t> evictions{0};
  std::atomic<std::uint64_t> expired{0};
  std::atomic<std::uint64_t> rejected{0};
  std::atomic<std::size_t> size{0};
};

// Cache-line aligned so neighbouring shards' mutexes and counters do not share a line.
class alignas(64) CacheShard {
 public:
  CacheShard() = default;
  ~CacheShard();
  CacheShard(const CacheShard&) = delete;
  CacheShard& operator=(const CacheShard&) = delete;

  // Sizes the table for `capacity` entries (>= 1). Called once, before any use.
  void init(std::size_t capacity);

  std::mutex& mutex() noexcept { return mutex_; }
  ShardCounters& counters() noexcept { return counters_; }
  const ShardCounters& counters() const noexcept { return counters_; }

  // All below: caller holds mutex().
  [[nodiscard]] CacheEntry* find(std::uint64_t hash, const CacheKey& key) const noexcept;
  // Takes ownership; replaces the entry with the same key and evicts LRU entries past capacity.
  void put(EntryPtr entry, const CacheKey& key) noexcept;
  void erase(CacheEntry* entry) noexcept;
  void touch(CacheEntry* entry) noexcept;  // mark most recently used
  void clear() noexcept;

 private:
  CacheEntry*& bucket(std::uint64_t hash) noexcept { return buckets_[hash & (buckets_.size() - 1)]; }
  void unlink_chain(CacheEntry* entry) noexcept;
  void unlink_lru(CacheEntry* entry) noexcept;
  void push_front(CacheEntry* entry) noexcept;
  void grow() noexcept;

  std::mutex mutex_;
  std::vector<CacheEntry*> buckets_;
  CacheEntry* lru_head_ = nullptr;
  CacheEntry* lru_tail_ = nullptr;
  std::size_t capacity_ = 1;
  std::size_t max_buckets_ = 1;
  std::size_t count_ = 0;
  ShardCounters counters_;
};

}  // namespace sprout::cache
