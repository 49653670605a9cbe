// One cached answer: a single allocation holding the header, TTL offsets, wire bytes and name.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "sprout/cache/cache_key.hpp"

namespace sprout::cache {

// Layout: [CacheEntry][uint16_t ttl_offsets[ttl_count]][wire bytes][name chars].
// Intrusive links keep the hash chain and LRU list free of extra allocations.
struct CacheEntry {
  CacheEntry* chain_next = nullptr;
  CacheEntry* lru_prev = nullptr;  // towards most recently used
  CacheEntry* lru_next = nullptr;  // towards least recently used
  std::uint64_t hash = 0;
  std::chrono::steady_clock::time_point inserted{};
  std::uint32_t ttl = 0;
  std::uint32_t hits = 0;
  std::uint32_t wire_size = 0;
  std::uint16_t ttl_count = 0;
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
  std::uint8_t name_length = 0;
  bool dnssec_ok = false;
  bool checking_disabled = false;
  bool prefetch_signalled = false;

  std::uint16_t* ttl_offsets() noexcept { return reinterpret_cast<std::uint16_t*>(this + 1); }
  const std::uint16_t* ttl_offsets() const noexcept { return reinterpret_cast<const std::uint16_t*>(this + 1); }
  std::uint8_t* wire() noexcept { return reinterpret_cast<std::uint8_t*>(ttl_offsets() + ttl_count); }
  const std::uint8_t* wire() const noexcept { return reinterpret_cast<const std::uint8_t*>(ttl_offsets() + ttl_count); }
  std::string_view name() const noexcept {
    return {reinterpret_cast<const char*>(wire() + wire_size), name_length};
  }
  // Exact key comparison: a hash match alone never serves an answer.
  [[nodiscard]] bool matches(std::uint64_t h, const CacheKey& key) const noexcept {
    return hash == h && qtype == key.qtype && qclass == key.qclass && dnssec_ok == key.dnssec_ok &&
           checking_disabled == key.checking_disabled && same_name(name(), key.qname);
  }
};

struct EntryDeleter {
  void operator()(CacheEntry* entry) const noexcept;
};
using EntryPtr = std::unique_ptr<CacheEntry, EntryDeleter>;

// Allocates an entry for `key` with room for `ttl_count` offsets and `wire_size` bytes; the
// caller fills offsets and wire. Returns null if the allocation fails.
EntryPtr allocate_entry(const CacheKey& key, std::uint64_t hash, std::size_t ttl_count, std::size_t wire_size) noexcept;

}  // namespace sprout::cache
