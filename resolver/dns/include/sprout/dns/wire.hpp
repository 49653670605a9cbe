// DNS wire-format constants and byte helpers shared by the parser and the response writers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sprout::dns {

inline constexpr std::size_t kHeaderSize = 12;
inline constexpr std::size_t kMaxNameWire = 255;   // RFC 1035 2.3.4
inline constexpr std::size_t kMaxNameText = 254;   // 253 chars + NUL, no trailing dot
inline constexpr std::uint16_t kClassicUdpSize = 512;
inline constexpr std::uint16_t kMaxForwardUdpSize = 1232;  // DNS flag day 2020
inline constexpr std::size_t kMaxMessage = 65535;

enum class Rcode : std::uint8_t {
  noerror = 0, formerr = 1, servfail = 2, nxdomain = 3, notimp = 4, refused = 5,
};
inline constexpr std::uint16_t kRcodeBadVers = 16;  // extended rcode (needs OPT)

enum class RrType : std::uint16_t {
  a = 1, ns = 2, cname = 5, soa = 6, ptr = 12, mx = 15, txt = 16, aaaa = 28,
  srv = 33, opt = 41, svcb = 64, https = 65, tsig = 250, any = 255,
};
inline constexpr std::uint16_t kClassIn = 1;

// Header flag bits (second 16-bit word).
inline constexpr std::uint16_t kFlagQr = 0x8000;
inline constexpr std::uint16_t kFlagAa = 0x0400;
inline constexpr std::uint16_t kFlagTc = 0x0200;
inline constexpr std::uint16_t kFlagRd = 0x0100;
inline constexpr std::uint16_t kFlagRa = 0x0080;
inline constexpr std::uint16_t kFlagAd = 0x0020;
inline constexpr std::uint16_t kFlagCd = 0x0010;
inline constexpr std::uint16_t kOpcodeMask = 0x7800;
inline constexpr std::uint16_t kRcodeMask = 0x000f;
inline constexpr std::uint16_t kEdnsDo = 0x8000;  // in the OPT TTL's low 16 bits

inline std::uint16_t get16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t get32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
inline void put16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void put32(std::uint8_t* p, std::uint32_t v) noexcept {
  put16(p, static_cast<std::uint16_t>(v >> 16));
  put16(p + 2, static_cast<std::uint16_t>(v));
}

// Header field offsets.
inline constexpr std::size_t kOffId = 0, kOffFlags = 2, kOffQd = 4, kOffAn = 6, kOffNs = 8, kOffAr = 10;

}  // namespace sprout::dns
