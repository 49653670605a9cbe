// Suffix-chained 64-bit hash of domain names: hashing a name's labels from the right
// yields the key of every parent suffix on the way, so a lookup hashes the name once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "sprout/blocklists/wide_mul.hpp"

namespace sprout::blocklists {

namespace hash_detail {

inline constexpr std::uint64_t kP1 = 0xa0761d6478bd642full;
inline constexpr std::uint64_t kP2 = 0xe7037ed1a0b428dbull;
inline constexpr std::uint64_t kP3 = 0x8ebc6af09c88c6e3ull;
inline constexpr std::uint64_t kP4 = 0x589965cc75374cc3ull;
inline constexpr std::uint64_t kDots = 0x2e2e2e2e2e2e2e2eull;  // '.' in every byte
inline constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7full;

// 64x64->128 multiply folded to 64 bits: the mixing step of wyhash-style hashes.
inline std::uint64_t fold_mul(std::uint64_t a, std::uint64_t b) noexcept {
  const Product128 r = mul_64x64(a, b);
  return r.lo ^ r.hi;
}

// Little-endian load on every host, so byte i of the text is always bits 8i..8i+7.
inline std::uint64_t load_le64(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

}  // namespace hash_detail

// Names are hashed from a copy padded with zero bytes, so every 8-byte read is safe and
// needs no length branches.
inline constexpr std::size_t kHashPad = 8;
inline constexpr std::size_t kMaxHashedName = 255;
inline constexpr std::size_t kMaxHashedLabels = 128;

struct PaddedName {
  char bytes[kMaxHashedName + kHashPad];
  std::size_t size = 0;
  // False if `name` is longer than kMaxHashedName.
  bool assign(std::string_view name) noexcept {
    if (name.size() > kMaxHashedName) return false;
    std::memcpy(bytes, name.data(), name.size());
    std::memset(bytes + name.size(), 0, kHashPad);
    size = name.size();
    return true;
  }
};

// Absorbs one label (bytes [p, p+n), readable up to the next multiple of 8) into the
// running state; the state after the last label is the key of that suffix.
inline std::uint64_t hash_absorb_label(std::uint64_t state, const char* p, std::size_t n) noexcept {
  using namespace hash_detail;
  std::uint64_t h = state ^ (static_cast<std::uint64_t>(n) * kP1);
  while (n > 8) {
    h = fold_mul(load_le64(p) ^ kP2, h ^ kP3);
    p += 8;
    n -= 8;
  }
  const std::uint64_t mask = n >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * n)) - 1;
  return fold_mul((load_le64(p) & mask) ^ kP4, h ^ kP1);
}

// Keys are the hash's high 48 bits (the low 16 are zero), so that the index stores a key
// and its attribute number in one 8-byte slot (domain_index.hpp). A name no list holds
// then matches a listed one with a probability of about names / 2^48 per probed suffix
// (1 in 280 million with a million names), under a seed drawn anew for every build.
inline constexpr std::uint64_t kKeyMask = ~std::uint64_t{0xffff};
inline constexpr std::uint64_t kSmallestKey = std::uint64_t{1} << 16;

// The form a key has in the index: masked, and never 0 (0 marks empty slots).
inline constexpr std::uint64_t stored_key(std::uint64_t key) noexcept {
  key &= kKeyMask;
  return key == 0 ? kSmallestKey : key;
}

// Key stored for a suffix whose running state is `state`.
inline std::uint64_t hash_finish(std::uint64_t state) noexcept {
  using namespace hash_detail;
  return stored_key(fold_mul(state ^ kP3, kP2));
}

// Writes the positions of the dots of a padded name in ascending order; returns how many
// (at most kMaxHashedLabels - 1; more returns kMaxHashedLabels). SWAR: 8 bytes a step.
inline std::size_t find_dots(const PaddedName& n, std::uint16_t* dots) noexcept {
  using namespace hash_detail;
  std::size_t count = 0;
  for (std::size_t off = 0; off < n.size; off += 8) {
    const std::uint64_t v = load_le64(n.bytes + off) ^ kDots;  // dots become zero bytes
    std::uint64_t zero = ~(((v & kLow7) + kLow7) | v | kLow7);  // exact: high bit per zero
    while (zero != 0) {
      const std::size_t pos = off + static_cast<std::size_t>(__builtin_ctzll(zero)) / 8;
      zero &= zero - 1;
      if (pos >= n.size) break;
      if (count == kMaxHashedLabels - 1) return kMaxHashedLabels;
      dots[count++] = static_cast<std::uint16_t>(pos);
    }
  }
  return count;
}

// The keys of every suffix of a name, as a lookup walks them: level 0 is the TLD, level
// `levels - 1` the whole name; start[i] is where suffix i begins in the name.
struct SuffixKeys {
  std::uint64_t key[kMaxHashedLabels];
  std::uint16_t start[kMaxHashedLabels];
  std::size_t levels = 0;
};

// Hashes `name` (no trailing dot) once from the right into `out`, calling `on_key(key)` as
// soon as each key is known so the caller can prefetch what it will probe. False (and
// out.levels == 0) for an empty name, one longer than 255 bytes or with too many labels.
template <class OnKey>
inline bool suffix_keys(std::string_view name, std::uint64_t seed, SuffixKeys& out, OnKey&& on_key) noexcept {
  out.levels = 0;
  PaddedName padded;
  if (name.empty() || !padded.assign(name)) return false;
  std::uint16_t dots[kMaxHashedLabels];
  const std::size_t dot_count = find_dots(padded, dots);
  if (dot_count >= kMaxHashedLabels) return false;
  const std::size_t levels = dot_count + 1;
  std::uint64_t state = seed;
  std::size_t end = padded.size;
  for (std::size_t j = levels; j-- > 0;) {
    const std::size_t begin = j == 0 ? 0 : dots[j - 1] + 1u;
    state = hash_absorb_label(state, padded.bytes + begin, end - begin);
    const std::size_t level = levels - 1 - j;
    out.key[level] = hash_finish(state);
    out.start[level] = static_cast<std::uint16_t>(begin);
    on_key(out.key[level]);
    end = begin == 0 ? 0 : begin - 1;
  }
  out.levels = levels;
  return true;
}

// Key of a whole normalized name under `seed` (the same chain a lookup walks).
inline std::uint64_t domain_key(std::string_view name, std::uint64_t seed) noexcept {
  PaddedName n;
  if (!n.assign(name)) return kSmallestKey;
  std::uint16_t dots[kMaxHashedLabels];
  const std::size_t count = find_dots(n, dots);
  if (count >= kMaxHashedLabels) return kSmallestKey;
  std::uint64_t state = seed;
  std::size_t end = n.size;
  for (std::size_t j = count + 1; j-- > 0;) {
    const std::size_t begin = j == 0 ? 0 : dots[j - 1] + 1u;
    state = hash_absorb_label(state, n.bytes + begin, end - begin);
    end = begin == 0 ? 0 : begin - 1;
  }
  return hash_finish(state);
}

}  // namespace sprout::blocklists
