// Test support for the cache: keys, a fixed clock origin and reading TTLs back out of answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "message_builder.hpp"
#include "sprout/cache/packet_cache.hpp"

namespace sprout::test {

inline cache::CacheKey key_of(std::string_view name, std::uint16_t type = 1, bool dnssec_ok = false,
                              bool cd = false, std::uint16_t cls = 1) {
  cache::CacheKey k;
  k.qname = name;
  k.qtype = type;
  k.qclass = cls;
  k.dnssec_ok = dnssec_ok;
  k.checking_disabled = cd;
  return k;
}

inline cache::Clock::time_point t0() { return cache::Clock::time_point{} + std::chrono::hours(1000); }
inline cache::Clock::time_point at(long seconds) { return t0() + std::chrono::seconds(seconds); }

// TTLs of every record but OPT, in message order; empty if the walk fails.
inline std::vector<std::uint32_t> ttls_of(std::span<const std::uint8_t> msg) {
  std::vector<std::uint32_t> out;
  const auto walk = cache::walk_records(msg, [&](const cache::RecordRef& rr) {
    if (rr.type != 41) out.push_back(rr.ttl);
  });
  if (!walk.ok) out.clear();
  return out;
}

inline cache::CacheOptions small_options(std::size_t max_entries = 1000, std::size_t shards = 4) {
  cache::CacheOptions o;
  o.max_entries = max_entries;
  o.shards = shards;
  o.min_ttl = std::chrono::seconds(0);
  o.max_ttl = std::chrono::seconds(86400);
  o.negative_ttl = std::chrono::seconds(3600);
  o.serve_stale = false;
  o.prefetch = false;
  return o;
}

}  // namespace sprout::test
