// PROXY v2 (haproxy.org spec): signature, version/command, family, length, addresses.
#include "sprout/core/proxy_protocol.hpp"

#include <algorithm>
#include <cstring>

namespace sprout::core {
namespace {

constexpr std::uint8_t kSignature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
constexpr std::uint8_t kFamilyInet = 0x1, kFamilyInet6 = 0x2;

}  // namespace

ProxyHeader parse_proxy_v2(std::span<const std::uint8_t> bytes) noexcept {
  ProxyHeader h;
  const std::size_t sig = std::min(bytes.size(), sizeof kSignature);
  if (bytes.empty() || std::memcmp(bytes.data(), kSignature, sig) != 0) {
    h.status = ProxyStatus::absent;
    return h;
  }
  if (bytes.size() < kProxyFixedSize) {
    h.status = ProxyStatus::incomplete;
    return h;
  }
  const std::uint8_t version = bytes[12] >> 4, command = bytes[12] & 0x0f;
  const std::size_t block = (std::size_t{bytes[14]} << 8) | bytes[15];
  if (version != 2 || command > 1 || block + kProxyFixedSize > kProxyMaxSize) return h;
  h.length = kProxyFixedSize + block;
  if (bytes.size() < h.length) {
    h.status = ProxyStatus::incomplete;
    return h;
  }
  if (command == 0) {
    h.status = ProxyStatus::local;
    return h;
  }
  const std::uint8_t family = bytes[13] >> 4;
  const std::uint8_t* a = bytes.data() + kProxyFixedSize;
  if (family == kFamilyInet && block >= 12) {
    h.source = config::IpAddress::from_v4(a);
  } else if (family == kFamilyInet6 && block >= 36) {
    h.source = config::IpAddress::from_v6(a);
  } else {
    return h;  // UNSPEC or UNIX: no client address to apply policy to
  }
  h.status = ProxyStatus::ok;
  return h;
}

bool is_trusted_proxy(const config::Config& cfg, const config::IpAddress& peer) noexcept {
  return std::any_of(cfg.proxy_protocol.begin(), cfg.proxy_protocol.end(),
                     [&](const config::IpPrefix& p) { return p.contains(peer); });
}

}  // namespace sprout::core
