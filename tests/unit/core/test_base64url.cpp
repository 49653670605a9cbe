// Base64url, the one codec for DoH GET messages and the admin's tokens, salts and hashes.
#include <catch2/catch.hpp>

#include <array>
#include <random>
#include <string>
#include <vector>

#include "sprout/core/base64url.hpp"

using namespace sprout;

namespace {

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

TEST_CASE("base64url: the URL alphabet, padding optional, nothing else", "[doh][base64url]") {
  std::array<std::uint8_t, 8> out{};
  CHECK(core::base64url_decode("-_8", out) == 2u);
  CHECK(out[0] == 0xfb);
  CHECK(out[1] == 0xff);
  CHECK(core::base64url_decode("AAA=", out) == 2u);
  CHECK_FALSE(core::base64url_decode("+/8", out));
  CHECK_FALSE(core::base64url_decode("A", out));
  CHECK_FALSE(core::base64url_decode("AAAAAAAAAAAAAAAA", out));  // 12 bytes do not fit 8
}

TEST_CASE("base64url: RFC 4648's vectors without padding, and '-' '_' for '+' '/'", "[base64url]") {
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, coded] : vectors) {
    CHECK(core::base64url_encode(bytes_of(plain)) == coded);
    std::array<std::uint8_t, 8> out{};
    REQUIRE(core::base64url_decode(coded, out) == plain.size());
    CHECK(std::string(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(plain.size())) == plain);
  }
  const std::array<std::uint8_t, 3> high{0xfb, 0xff, 0xbf};
  CHECK(core::base64url_encode(high) == "-_-_");
}

TEST_CASE("base64url: what is encoded decodes to the same bytes, every length", "[base64url]") {
  std::mt19937 rng(7);
  for (std::size_t len = 0; len <= 64; ++len) {
    std::vector<std::uint8_t> in(len);
    for (auto& b : in) b = static_cast<std::uint8_t>(rng());
    const std::string coded = core::base64url_encode(in);
    CHECK(coded.size() == (len * 4 + 2) / 3);  // no padding
    std::vector<std::uint8_t> out(len);
    REQUIRE(core::base64url_decode(coded, out) == len);
    CHECK(out == in);
  }
}
