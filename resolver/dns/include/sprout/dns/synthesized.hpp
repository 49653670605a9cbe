// Answers Sprout makes itself (blocked names): NXDOMAIN/NODATA with SOA, fixed addresses, EDE.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "sprout/dns/query_view.hpp"

namespace sprout::dns {

enum class BlockedKind : std::uint8_t {
  nxdomain,   // NXDOMAIN + SOA, so resolvers downstream cache the negative answer
  nodata,     // NOERROR, no answer, SOA
  address,    // A/AAAA with the configured address; other types get NODATA
  refused,    // REFUSED
};

struct BlockedAnswer {
  BlockedKind kind = BlockedKind::nxdomain;
  std::uint32_t ttl = 300;
  std::array<std::uint8_t, 4> v4{};    // 0.0.0.0 unless a block page is configured
  std::array<std::uint8_t, 16> v6{};   // ::
  std::uint16_t ede_code = 15;         // RFC 8914: 15 = Blocked, 17 = Filtered
  std::string_view ede_text;           // e.g. "gambling" (only sent when the client has EDNS)
};

// Writes the whole answer into `out`; returns its size (0 if it does not fit).
std::size_t write_blocked(const QueryView& q, const BlockedAnswer& a, std::span<std::uint8_t> out) noexcept;

}  // namespace sprout::dns
