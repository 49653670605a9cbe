// Base64url encoder and decoder.
#include "sprout/core/base64url.hpp"

namespace sprout::core {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int base64url_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

}  // namespace

std::string base64url_encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t left = bytes.size() - i;
    const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (left > 1 ? std::uint32_t{bytes[i + 1]} << 8 : 0u) |
                            (left > 2 ? std::uint32_t{bytes[i + 2]} : 0u);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    if (left > 1) out += kAlphabet[(v >> 6) & 63];
    if (left > 2) out += kAlphabet[v & 63];
  }
  return out;
}

std::optional<std::size_t> base64url_decode(std::string_view in, std::span<std::uint8_t> out) noexcept {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return std::nullopt;  // no group of 4 ends with a single character
  std::size_t n = 0;
  std::uint32_t bits = 0;
  int have = 0;
  for (const char c : in) {
    const int v = base64url_value(c);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    have += 6;
    if (have >= 8) {
      have -= 8;
      if (n == out.size()) return std::nullopt;
      out[n++] = static_cast<std::uint8_t>(bits >> have);
    }
  }
  return n;
}

}  // namespace sprout::core
