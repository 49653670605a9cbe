#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "address_parts.hpp"
#include "sprout/config/config.hpp"

namespace sprout::config {
namespace {

constexpr std::size_t kV4Offset = 12;  // IPv4 lives in the last 4 bytes of ::ffff:0:0/96
constexpr int kV4BitOffset = 96;

std::optional<int> parse_decimal(std::string_view text, int max) {
  int value = 0;
  if (text.empty() || text.size() > 5) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > max) return std::nullopt;
  return value;
}

}  // namespace

IpAddress IpAddress::from_v4(const std::uint8_t* four) noexcept {
  IpAddress a;
  a.bytes[10] = 0xff;
  a.bytes[11] = 0xff;
  std::memcpy(a.bytes.data() + kV4Offset, four, 4);
  a.v4 = true;
  return a;
}

IpAddress IpAddress::from_v6(const std::uint8_t* sixteen) noexcept {
  static constexpr std::uint8_t kMapped[kV4Offset] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(sixteen, kMapped, kV4Offset) == 0) return from_v4(sixteen + kV4Offset);
  IpAddress a;
  std::memcpy(a.bytes.data(), sixteen, 16);
  return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  std::uint8_t raw[16];
  if (inet_pton(AF_INET, buf, raw) == 1) return from_v4(raw);
  IpAddress a;
  if (inet_pton(AF_INET6, buf, a.bytes.data()) == 1) return a;  // as written: ::ffff:a.b.c.d stays IPv6
  return std::nullopt;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  if (v4) inet_ntop(AF_INET, bytes.data() + kV4Offset, buf, sizeof buf);
  else inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

bool IpPrefix::contains(const IpAddress& a) const noexcept {
  // Per packet: whole bytes first, then the masked final byte; no allocation.
  const std::size_t whole = bits / 8;
  if (std::memcmp(address.bytes.data(), a.bytes.data(), whole) != 0) return false;
  const unsigned rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff00u >> rest);
  return ((address.bytes[whole] ^ a.bytes[whole]) & mask) == 0;
}

std::string IpPrefix::to_string() const {
  int len = address.v4 ? bits - kV4BitOffset : bits;
  return address.to_string() + "/" + std::to_string(len);
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
  auto p = detail::parse_prefix_raw(text);
  if (!p || !(detail::masked(*p).address == p->address)) return std::nullopt;
  return p;
}

std::string Endpoint::to_string() const {
  std::string host = address.v4 ? address.to_string() : "[" + address.to_string() + "]";
  return host + ":" + std::to_string(port);
}

namespace detail {

std::optional<IpPrefix> parse_prefix_raw(std::string_view text) {
  auto slash = text.find('/');
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  const int max = addr->v4 ? 32 : 128;
  int len = max;
  if (slash != std::string_view::npos) {
    auto parsed = parse_decimal(text.substr(slash + 1), max);
    if (!parsed) return std::nullopt;
    len = *parsed;
  }
  return IpPrefix{*addr, static_cast<std::uint8_t>(addr->v4 ? len + kV4BitOffset : len)};
}

IpPrefix masked(const IpPrefix& p) {
  IpPrefix out = p;
  for (std::size_t i = 0; i < out.address.bytes.size(); ++i) {
    const int keep = static_cast<int>(p.bits) - static_cast<int>(i * 8);
    if (keep >= 8) continue;
    out.address.bytes[i] &= keep <= 0 ? 0 : static_cast<std::uint8_t>(0xff00u >> keep);
  }
  return out;
}

std::optional<Endpoint> parse_endpoint(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find("]:");
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  auto addr = IpAddress::parse(host);
  auto number = parse_decimal(port, 65535);
  // An IPv6 address must be bracketed so "::1:53" is never ambiguous.
  if (!addr || !number || (!addr->v4 && text.front() != '[') || (addr->v4 && text.front() == '[')) {
    return std::nullopt;
  }
  return Endpoint{*addr, static_cast<std::uint16_t>(*number)};
}

}  // namespace detail
}  // namespace sprout::config
