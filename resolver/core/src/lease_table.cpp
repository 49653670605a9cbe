// DHCP leases files: dnsmasq's and odhcpd's line formats, told apart by their content.
#include "sprout/core/lease_table.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <optional>

namespace sprout::core {
namespace {

bool address_less(const config::IpAddress& a, const config::IpAddress& b) noexcept { return a.bytes < b.bytes; }

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  while (!line.empty()) {
    const auto start = line.find_first_not_of(" \t\r");
    if (start == std::string_view::npos) break;
    line.remove_prefix(start);
    const auto end = line.find_first_of(" \t\r");
    out.push_back(line.substr(0, end));
    line.remove_prefix(end == std::string_view::npos ? line.size() : end);
  }
  return out;
}

// Calls f(line) for each line of text.
template <typename F>
void for_each_line(std::string_view text, F&& f) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    f(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  }
}

// A DUID's MAC: DUID-LLT (type 1: hardware type, 4-byte time, address) or DUID-LL (type 3:
// hardware type, address) on Ethernet (hardware type 1). Other DUIDs carry no MAC.
std::optional<config::MacAddress> mac_of_duid(std::string_view hex) noexcept {
  if (hex.size() == 28 && hex.starts_with("00010001")) return config::parse_mac_bare(hex.substr(16));
  if (hex.size() == 20 && hex.starts_with("00030001")) return config::parse_mac_bare(hex.substr(8));
  return std::nullopt;
}

bool is_hex(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

// "192.168.1.10/32" or "fd00::10/128": the address when it is full length, else nullopt
// (a delegated prefix); `bad` when it is not an address/length at all.
std::optional<config::IpAddress> full_length_address(std::string_view field, bool& bad) {
  const auto slash = field.find('/');
  const auto address = config::IpAddress::parse(field.substr(0, slash));
  unsigned length = 0;
  const std::string_view len = slash == std::string_view::npos ? std::string_view() : field.substr(slash + 1);
  const auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), length);
  if (!address || len.empty() || ec != std::errc() || end != len.data() + len.size()) {
    bad = true;
    return std::nullopt;
  }
  if (length != (address->v4 ? 32u : 128u)) return std::nullopt;
  return address;
}

}  // namespace

LeaseFormat LeaseTable::detect(std::string_view text) noexcept {
  LeaseFormat format = LeaseFormat::dnsmasq;
  for_each_line(text, [&](std::string_view line) {
    if (line.starts_with('#')) format = LeaseFormat::odhcpd;
  });
  return format;
}

LeaseTable LeaseTable::parse(std::string_view text) {
  return detect(text) == LeaseFormat::odhcpd ? parse_odhcpd(text) : parse_dnsmasq(text);
}

LeaseTable LeaseTable::parse_dnsmasq(std::string_view text) {
  LeaseTable t;
  for_each_line(text, [&](std::string_view line) {
    const auto f = fields(line);
    if (f.empty() || f[0] == "duid") return;  // the DHCPv6 server's own DUID line
    const auto mac = f.size() >= 3 ? config::parse_mac(f[1]) : std::nullopt;
    const auto address = mac ? config::IpAddress::parse(f[2]) : std::nullopt;
    if (!address) {
      // IPv6 leases carry an IAID where the MAC would be: not an error, just no MAC.
      if (f.size() < 3 || f[2].find(':') == std::string_view::npos) ++t.skipped_;
      return;
    }
    t.leases_.push_back({*address, *mac, f.size() >= 4 && f[3] != "*" ? std::string(f[3]) : std::string()});
  });
  t.sort();
  return t;
}

LeaseTable LeaseTable::parse_odhcpd(std::string_view text) {
  LeaseTable t;
  t.format_ = LeaseFormat::odhcpd;
  for_each_line(text, [&](std::string_view line) {
    if (!line.starts_with('#')) return;  // blank, or the hosts-file line of a named lease
    const auto f = fields(line.substr(1));
    // iface id iaid host expiry hostid length [address/len...]
    const bool v4 = f.size() >= 7 && f[2] == "ipv4";
    const auto mac = f.size() < 7 ? std::nullopt : v4 ? config::parse_mac_bare(f[1]) : mac_of_duid(f[1]);
    if (f.size() < 7 || !is_hex(f[1]) || (v4 && !mac) || (!v4 && !is_hex(f[2]))) {
      ++t.skipped_;
      return;
    }
    if (!mac) return;  // a DHCPv6 client whose DUID names no MAC
    // odhcpd writes "-" for no name and "broken\x20NAME" for a name it would not use.
    const std::string host = f[3] == "-" || f[3].starts_with("broken\\x20") ? std::string() : std::string(f[3]);
    bool bad = false;
    for (std::size_t i = 7; i < f.size(); ++i) {
      if (const auto address = full_length_address(f[i], bad); address && address->v4 == v4) t.leases_.push_back({*address, *mac, host});
    }
    if (bad) ++t.skipped_;
  });
  t.sort();
  return t;
}

void LeaseTable::sort() {
  std::stable_sort(leases_.begin(), leases_.end(), [](const Lease& a, const Lease& b) { return address_less(a.address, b.address); });
}

const Lease* LeaseTable::find(const config::IpAddress& address) const noexcept {
  const auto it = std::lower_bound(leases_.begin(), leases_.end(), address,
                                   [](const Lease& l, const config::IpAddress& a) { return address_less(l.address, a); });
  return it != leases_.end() && it->address == address ? &*it : nullptr;
}

}  // namespace sprout::core
