// Cache key construction, hashing and comparison.
#include "sprout/cache/cache_key.hpp"

#include "sprout/dns/query_view.hpp"

namespace sprout::cache {
namespace {

constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;

char fold(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

std::uint64_t mix_byte(std::uint64_t h, std::uint8_t b) noexcept { return (h ^ b) * kFnvPrime; }

// splitmix64 finalizer: spreads FNV's weak high bits, which pick the shard.
std::uint64_t finalize(std::uint64_t h) noexcept {
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

}  // namespace

std::optional<CacheKey> make_key(const dns::QueryView& query) noexcept {
  if (!query.question_parsed() || query.qname.odd_bytes) return std::nullopt;
  CacheKey key;
  key.qname = query.qname.view();
  key.qtype = query.qtype;
  key.qclass = query.qclass;
  key.dnssec_ok = query.dnssec_ok;
  key.checking_disabled = query.cd();
  return key;
}

std::optional<CacheKey> make_key(const dns::QueryView& query, std::string_view qname) noexcept {
  auto key = make_key(query);
  if (key && qname != key->qname) {
    for (char c : qname) {
      if (c <= ' ' || c > '~') return std::nullopt;  // ambiguous text form, as for a query name
    }
    key->qname = qname;
  }
  return key;
}

std::uint64_t hash_key(const CacheKey& key) noexcept {
  std::uint64_t h = kFnvOffset;
  for (char c : key.qname) h = mix_byte(h, static_cast<std::uint8_t>(fold(c)));
  h = mix_byte(h, 0);  // terminator: "ab"+type cannot alias "a"+other bytes
  h = mix_byte(h, static_cast<std::uint8_t>(key.qtype >> 8));
  h = mix_byte(h, static_cast<std::uint8_t>(key.qtype));
  h = mix_byte(h, static_cast<std::uint8_t>(key.qclass >> 8));
  h = mix_byte(h, static_cast<std::uint8_t>(key.qclass));
  h = mix_byte(h, static_cast<std::uint8_t>((key.dnssec_ok ? 1 : 0) | (key.checking_disabled ? 2 : 0)));
  return finalize(h);
}

bool same_name(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (fold(a[i]) != fold(b[i])) return false;
  }
  return true;
}

}  // namespace sprout::cache
