#include "pcap_reader.hpp"

#include <optional>
#include <span>

#include "harness.hpp"

namespace sprout::e2e {
namespace {

using Span = std::span<const std::uint8_t>;

std::uint16_t be16(Span s, std::size_t at) {
  return static_cast<std::uint16_t>((s[at] << 8) | s[at + 1]);
}

std::uint32_t read32(Span s, std::size_t at, bool swapped) {
  const std::uint32_t le = s[at] | (s[at + 1] << 8) | (s[at + 2] << 16) | (std::uint32_t{s[at + 3]} << 24);
  const std::uint32_t be = (std::uint32_t{s[at]} << 24) | (s[at + 1] << 16) | (s[at + 2] << 8) | s[at + 3];
  return swapped ? be : le;
}

// Offset of the IP header inside a frame of the given link type, if known.
std::optional<std::size_t> ip_offset(std::uint32_t link_type, Span frame) {
  switch (link_type) {
    case 0: return 4;                 // BSD loopback: 4-byte address family
    case 12: case 14: case 101: return 0;  // raw IP
    case 113: return 16;              // Linux cooked v1
    case 276: return 20;              // Linux cooked v2
    case 9: case 50:                  // PPP (HDLC framing optional)
      return (frame.size() >= 2 && frame[0] == 0xFF && frame[1] == 0x03) ? 4 : 2;
    case 1: {                         // Ethernet, optionally 802.1Q tagged
      if (frame.size() < 14) return std::nullopt;
      return be16(frame, 12) == 0x8100 ? 18 : 14;
    }
    default: return std::nullopt;
  }
}

void add_transport(std::uint8_t proto, Span l4, std::vector<CapturedPayload>& out) {
  if (proto == 17 && l4.size() >= 8) {
    const std::size_t len = std::min<std::size_t>(be16(l4, 4), l4.size());
    if (len > 8) out.push_back({false, Bytes(l4.begin() + 8, l4.begin() + static_cast<std::ptrdiff_t>(len))});
  } else if (proto == 6 && l4.size() >= 20) {
    const std::size_t header = (l4[12] >> 4) * 4u;
    if (header >= 20 && header < l4.size()) out.push_back({true, Bytes(l4.begin() + static_cast<std::ptrdiff_t>(header), l4.end())});
  }
}

void add_ip_packet(Span ip, std::vector<CapturedPayload>& out) {
  if (ip.empty()) return;
  const int version = ip[0] >> 4;
  if (version == 4 && ip.size() >= 20) {
    const std::size_t header = (ip[0] & 0x0F) * 4u;
    const std::size_t total = std::min<std::size_t>(be16(ip, 2), ip.size());
    const bool first_fragment = (be16(ip, 6) & 0x1FFF) == 0;
    if (header >= 20 && header <= total && first_fragment) add_transport(ip[9], ip.subspan(header, total - header), out);
  } else if (version == 6 && ip.size() >= 40) {
    const std::size_t total = std::min<std::size_t>(40u + be16(ip, 4), ip.size());
    add_transport(ip[6], ip.subspan(40, total - 40), out);
  }
}

}  // namespace

std::vector<CapturedPayload> read_pcap_payloads(const std::filesystem::path& path) {
  const Bytes file = read_binary(path);
  const Span s(file);
  std::vector<CapturedPayload> out;
  if (s.size() < 24) return out;
  const std::uint32_t magic = read32(s, 0, false);
  const bool swapped = magic == 0xD4C3B2A1 || magic == 0x4D3CB2A1;
  if (!swapped && magic != 0xA1B2C3D4 && magic != 0xA1B23C4D) return out;
  const std::uint32_t link_type = read32(s, 20, swapped) & 0xFFFF;
  for (std::size_t pos = 24; pos + 16 <= s.size();) {
    const std::size_t caplen = read32(s, pos + 8, swapped);
    pos += 16;
    if (caplen > s.size() - pos) break;
    const Span frame = s.subspan(pos, caplen);
    pos += caplen;
    const auto offset = ip_offset(link_type, frame);
    if (offset && *offset < frame.size()) add_ip_packet(frame.subspan(*offset), out);
  }
  return out;
}

}  // namespace sprout::e2e
