// Test support: extracts DNS messages (UDP payloads and TCP-framed messages) from pcap files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sprout::test {

struct CapturedMessage {
  std::vector<std::uint8_t> bytes;
  bool tcp = false;
  std::size_t frame = 0;  // 1-based frame number in the capture
};

// Reads classic pcap (either byte order; Ethernet, Linux SLL/SLL2, raw IP, loopback/null
// link types) and returns the DNS payloads it finds on port 53 or 8053 (UDP), and the
// length-framed messages in TCP segments. Unknown link types yield nothing.
std::vector<CapturedMessage> read_dns_pcap(const std::string& path);

// Reads a whole file as bytes (empty if unreadable).
std::vector<std::uint8_t> read_file_bytes(const std::string& path);

}  // namespace sprout::test
