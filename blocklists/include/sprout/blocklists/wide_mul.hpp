// 64x64 -> 128-bit multiplication, for the hash's mixing step and for mapping a 64-bit key
// onto a range without division. GCC and Clang have unsigned __int128 on 64-bit targets
// only; 32-bit routers (armhf, mipsel) take the portable form, which gives the same bits.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sprout::blocklists {

struct Product128 {
  std::uint64_t lo;
  std::uint64_t hi;
};

// Schoolbook multiplication over 32-bit halves (every partial product fits in 64 bits).
[[nodiscard]] constexpr Product128 mul_64x64_portable(std::uint64_t a, std::uint64_t b) noexcept {
  constexpr std::uint64_t kLow32 = 0xffffffffull;
  const std::uint64_t ll = (a & kLow32) * (b & kLow32);
  const std::uint64_t lh = (a & kLow32) * (b >> 32);
  const std::uint64_t hl = (a >> 32) * (b & kLow32);
  const std::uint64_t hh = (a >> 32) * (b >> 32);
  const std::uint64_t mid = (ll >> 32) + (lh & kLow32) + (hl & kLow32);
  return {(mid << 32) | (ll & kLow32), hh + (lh >> 32) + (hl >> 32) + (mid >> 32)};
}

[[nodiscard]] inline Product128 mul_64x64(std::uint64_t a, std::uint64_t b) noexcept {
#if defined(__SIZEOF_INT128__)
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return {static_cast<std::uint64_t>(r), static_cast<std::uint64_t>(r >> 64)};
#else
  return mul_64x64_portable(a, b);
#endif
}

// floor(key * range / 2^64): a key spread evenly over [0, range).
[[nodiscard]] inline std::size_t scale_to_range(std::uint64_t key, std::size_t range) noexcept {
  return static_cast<std::size_t>(mul_64x64(key, range).hi);
}

}  // namespace sprout::blocklists
