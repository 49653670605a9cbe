// A minimal pcap walker for tests: enough link and IP parsing to reach DNS payloads.
#include "pcap_reader.hpp"

#include <fstream>
#include <iterator>

namespace sprout::test {
namespace {

struct Reader {
  const std::vector<std::uint8_t>& data;
  bool swap = false;
  std::uint32_t u32(std::size_t at) const {
    const std::uint32_t v = data[at] | (data[at + 1] << 8) | (data[at + 2] << 16) | (std::uint32_t{data[at + 3]} << 24);
    return swap ? __builtin_bswap32(v) : v;
  }
};

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }

// Returns the offset of the IP header inside a frame, or npos.
std::size_t ip_offset(std::uint32_t linktype, const std::uint8_t* f, std::size_t len) {
  switch (linktype) {
    case 1: {  // Ethernet, with up to two VLAN tags
      std::size_t off = 12;
      while (off + 2 <= len && (be16(f + off) == 0x8100 || be16(f + off) == 0x88a8)) off += 4;
      return off + 2;
    }
    case 0: case 108: return 4;     // BSD loopback / null
    case 101: case 228: case 229: return 0;  // raw IP
    case 113: return 16;            // Linux SLL
    case 276: return 20;            // Linux SLL2
    default: return std::string::npos;
  }
}

void take_payload(const std::uint8_t* ip, std::size_t len, std::size_t frame, std::vector<CapturedMessage>& out) {
  if (len < 20) return;
  std::size_t l4 = 0;
  std::uint8_t proto = 0;
  if ((ip[0] >> 4) == 4) {
    l4 = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
    proto = ip[9];
    len = std::min<std::size_t>(len, be16(ip + 2));
  } else if ((ip[0] >> 4) == 6 && len >= 40) {
    l4 = 40;
    proto = ip[6];
  } else {
    return;
  }
  if (l4 + 8 > len) return;
  const std::uint8_t* t = ip + l4;
  const auto is_dns = [&](std::uint16_t p) { return p == 53 || p == 8053 || p == 5353; };
  if (!is_dns(be16(t)) && !is_dns(be16(t + 2))) return;
  if (proto == 17) {
    // The UDP length field says what the sender meant to send (it may claim less than 8).
    const std::size_t udp_len = be16(t + 4);
    const std::size_t payload = std::min(len - l4 - 8, udp_len >= 8 ? udp_len - 8 : 0);
    out.push_back({std::vector<std::uint8_t>(t + 8, t + 8 + payload), false, frame});
  } else if (proto == 6 && l4 + 20 <= len) {
    std::size_t off = l4 + static_cast<std::size_t>(t[12] >> 4) * 4;
    while (off + 2 <= len) {  // each framed message that fits in this segment
      const std::size_t n = be16(ip + off);
      if (off + 2 + n > len || n == 0) break;
      out.push_back({std::vector<std::uint8_t>(ip + off + 2, ip + off + 2 + n), true, frame});
      off += 2 + n;
    }
  }
}

}  // namespace

std::vector<std::uint8_t> read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<CapturedMessage> read_dns_pcap(const std::string& path) {
  const std::vector<std::uint8_t> data = read_file_bytes(path);
  std::vector<CapturedMessage> out;
  if (data.size() < 24) return out;
  Reader r{data};
  const std::uint32_t magic = r.u32(0);
  if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) r.swap = true;
  else if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) return out;  // pcapng is not supported
  const std::uint32_t linktype = r.u32(20) & 0xffff;
  std::size_t pos = 24;
  for (std::size_t frame = 1; pos + 16 <= data.size(); ++frame) {
    const std::size_t caplen = r.u32(pos + 8);
    pos += 16;
    if (pos + caplen > data.size()) break;
    const std::size_t ip = ip_offset(linktype, &data[pos], caplen);
    if (ip != std::string::npos && ip < caplen) take_payload(&data[pos + ip], caplen - ip, frame, out);
    pos += caplen;
  }
  return out;
}

}  // namespace sprout::test
