// PROXY protocol v2 header parsing: the real client address from a trusted front end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "sprout/config/config.hpp"

namespace sprout::core {

enum class ProxyStatus : std::uint8_t {
  ok,          // `source` is the client the front end saw
  local,       // LOCAL command (health checks): use the connection's own address
  absent,      // no PROXY signature: an ordinary message from the peer itself
  incomplete,  // need more bytes (TCP); `length` says how many in all, once known
  invalid,     // a PROXY signature, but a header we cannot use: drop it
};

struct ProxyHeader {
  ProxyStatus status = ProxyStatus::invalid;
  std::size_t length = 0;        // bytes of header (16 + address block + TLVs)
  config::IpAddress source;
};

inline constexpr std::size_t kProxyFixedSize = 16;
inline constexpr std::size_t kProxyMaxSize = 16 + 536;  // largest block we accept

// Parses the header at the start of `bytes` (never reads past it, never allocates).
ProxyHeader parse_proxy_v2(std::span<const std::uint8_t> bytes) noexcept;

// True when `peer` may send PROXY headers (config.proxy_protocol).
bool is_trusted_proxy(const config::Config& cfg, const config::IpAddress& peer) noexcept;

}  // namespace sprout::core
