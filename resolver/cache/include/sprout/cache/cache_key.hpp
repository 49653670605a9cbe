// Cache keys: what makes two queries share one cached answer (name, type, class, DO, CD).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sprout::dns {
struct QueryView;
}

namespace sprout::cache {

inline constexpr std::size_t kMaxKeyName = 253;  // text form, no trailing dot

// A lookup/insert key. `qname` is borrowed (it must outlive the call only) and is compared
// ASCII-case-insensitively, so "WWW.Example.com" and "www.example.com" are the same key.
struct CacheKey {
  std::string_view qname;
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
  bool dnssec_ok = false;          // DO bit: DNSSEC records are only in DO answers
  bool checking_disabled = false;  // CD bit: a CD answer may hold data that failed validation
};

// The key for a parsed query, or nothing when the query must bypass the cache: no question,
// or a name whose text form is ambiguous (a label holding '.', a space or a control byte
// would collide with a different wire name of the same text).
std::optional<CacheKey> make_key(const dns::QueryView& query) noexcept;
// The same, for asking `qname` (canonical lowercase text) with the query's type, class, DO and CD.
std::optional<CacheKey> make_key(const dns::QueryView& query, std::string_view qname) noexcept;

// 64-bit hash of the key (name folded to lowercase). Hits are always verified against the
// stored key, so a collision can only cost a miss, never a wrong answer.
std::uint64_t hash_key(const CacheKey& key) noexcept;

// ASCII case-insensitive equality of two names.
bool same_name(std::string_view a, std::string_view b) noexcept;

// The hash is injectable so tests can force collisions.
using KeyHasher = std::uint64_t (*)(const CacheKey&) noexcept;

}  // namespace sprout::cache
