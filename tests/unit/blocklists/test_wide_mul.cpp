// Tests of the 64x64 -> 128-bit multiplication that 32-bit routers (no unsigned __int128)
// use for the domain hash and the index's slot mapping: it must give the exact bits.
#include "sprout/blocklists/wide_mul.hpp"

#include <catch2/catch.hpp>

#include <cstdint>

namespace bl = sprout::blocklists;

namespace {
struct Case {
  std::uint64_t a, b, lo, hi;
};
// Products worked out independently (Python's big integers); the first two are the hash's
// own constants, the rest carry across every 32-bit boundary.
constexpr Case kCases[] = {
    {0xa0761d6478bd642full, 0xe7037ed1a0b428dbull, 0x8f3907f7b2b80c35ull, 0x90ccc56588c08119ull},
    {0x8ebc6af09c88c6e3ull, 0x589965cc75374cc3ull, 0x33a213ec50ffe2e9ull, 0x31664c20f54da9c3ull},
    {~0ull, ~0ull, 0x1ull, 0xfffffffffffffffeull},
    {0xffffffffull, 0xffffffffull, 0xfffffffe00000001ull, 0x0ull},
    {0x100000000ull, 0x100000000ull, 0x0ull, 0x1ull},
    {0, ~0ull, 0, 0},
};
}  // namespace

TEST_CASE("wide_mul: the portable product has the exact 128 bits", "[wide_mul]") {
  for (const auto& c : kCases) {
    INFO(std::hex << c.a << " * " << c.b);
    const auto p = bl::mul_64x64_portable(c.a, c.b);
    CHECK(p.lo == c.lo);
    CHECK(p.hi == c.hi);
    const auto q = bl::mul_64x64(c.a, c.b);  // the one the build uses
    CHECK(q.lo == c.lo);
    CHECK(q.hi == c.hi);
  }
}

#if defined(__SIZEOF_INT128__)
TEST_CASE("wide_mul: the portable product equals unsigned __int128 on a million pairs", "[wide_mul]") {
  std::uint64_t x = 0x9e3779b97f4a7c15ull, y = 0xd1b54a32d192ed03ull;
  for (int i = 0; i < 1000000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift64
    y ^= y << 13, y ^= y >> 7, y ^= y << 17;
    const auto p = bl::mul_64x64_portable(x, y);
    const unsigned __int128 r = static_cast<unsigned __int128>(x) * y;
    if (p.lo != static_cast<std::uint64_t>(r) || p.hi != static_cast<std::uint64_t>(r >> 64)) {
      FAIL(std::hex << x << " * " << y);
    }
  }
}
#endif

TEST_CASE("wide_mul: scale_to_range spreads keys over [0, range)", "[wide_mul]") {
  CHECK(bl::scale_to_range(0, 10) == 0);
  CHECK(bl::scale_to_range(~0ull, 10) == 9);
  CHECK(bl::scale_to_range(1ull << 63, 10) == 5);
  CHECK(bl::scale_to_range(~0ull, 1) == 0);
}
