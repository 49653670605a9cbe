// Extracts UDP and TCP payloads from classic pcap files, to replay captured DNS bytes raw.
#pragma once

#include <filesystem>
#include <vector>

#include "dns_wire.hpp"

namespace sprout::e2e {

struct CapturedPayload {
  bool tcp = false;  // TCP payloads are stream bytes (2-byte framed DNS, possibly partial)
  Bytes data;
};

// Every non-empty UDP/TCP payload over IPv4/IPv6 in the file; unknown link types and
// truncated records are skipped, a non-pcap file gives an empty list.
std::vector<CapturedPayload> read_pcap_payloads(const std::filesystem::path& path);

}  // namespace sprout::e2e
