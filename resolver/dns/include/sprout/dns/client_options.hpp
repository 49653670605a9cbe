// EDNS options a home router adds to say which device asked (dnsmasq --add-mac, --add-cpe-id, --add-subnet).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "sprout/config/config.hpp"

namespace sprout::dns {

inline constexpr std::uint16_t kOptEcs = 8;          // RFC 7871 client subnet
inline constexpr std::uint16_t kOptMacRaw = 65001;   // dnsmasq --add-mac: 6 raw bytes
inline constexpr std::uint16_t kOptMacText = 65073;  // --add-mac=base64 (8 chars) or =text (17 chars)
inline constexpr std::uint16_t kOptCpeId = 65074;    // --add-cpe-id: the router's configured string

// What the OPT record said about the client. Nothing here is believed until a stage has
// checked that the sender is a trusted forwarder: any client can put these options in.
struct ClientOptions {
  config::MacAddress mac{};
  std::array<std::uint8_t, 16> ecs_address{};  // IPv4 in the first 4 bytes
  std::uint16_t cpe_offset = 0;       // the CPE id's bytes in the message
  std::uint16_t cpe_size = 0;
  std::uint16_t ecs_family = 0;       // 1 IPv4, 2 IPv6 (0: no usable ECS)
  std::uint8_t ecs_prefix = 0;        // source prefix length
  bool has_mac = false;
  bool present = false;               // any of the four options: never forwarded upstream
  std::uint16_t count = 0;            // client options in the message, whatever their state
  std::uint16_t malformed = 0;        // options ignored: wrong length, bad text, broken framing
  std::uint16_t duplicated = 0;       // options ignored: a second one of a kind (both are)
  [[nodiscard]] std::string_view cpe_id(std::span<const std::uint8_t> wire) const noexcept {
    return {reinterpret_cast<const char*>(wire.data()) + cpe_offset, cpe_size};
  }
  // ECS with a full-length prefix names one address (dnsmasq --add-subnet=32,128).
  [[nodiscard]] bool ecs_is_host() const noexcept {
    return (ecs_family == 1 && ecs_prefix == 32) || (ecs_family == 2 && ecs_prefix == 128);
  }
};

[[nodiscard]] constexpr bool is_client_option(std::uint16_t code) noexcept {
  return code == kOptEcs || code == kOptMacRaw || code == kOptMacText || code == kOptCpeId;
}

// Reads the options in `wire[rdata, rdata + size)` (an OPT record's data). Never allocates.
// Returns false when the options' framing overruns the record (the caller decides).
bool read_client_options(std::span<const std::uint8_t> wire, std::size_t rdata, std::size_t size,
                         ClientOptions& out) noexcept;

// Writes `wire` to `out` without the client options in the OPT record at `opt_rdata`
// (and its RDLENGTH adjusted), so a MAC never leaves Sprout. 0 when `out` is too small.
std::size_t copy_without_client_options(std::span<const std::uint8_t> wire, std::size_t opt_rdata,
                                        std::size_t opt_rdlength, std::span<std::uint8_t> out) noexcept;

}  // namespace sprout::dns
