// DHCP leases files (dnsmasq's dnsmasq.leases, odhcpd's state file) read into address -> MAC.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sprout/config/config.hpp"

namespace sprout::core {

struct Lease {
  config::IpAddress address;
  config::MacAddress mac{};
  std::string host;  // as the client told DHCP; empty when it gave none
};

enum class LeaseFormat : std::uint8_t { dnsmasq, odhcpd };

// One leases file, parsed. Lines that cannot be read are skipped and counted, never fatal.
class LeaseTable {
 public:
  // The format is told by the content: odhcpd's leases are the lines that start with '#'
  // (a dnsmasq leases file has none), so one `dhcp_leases` key takes either file.
  static LeaseFormat detect(std::string_view text) noexcept;
  static LeaseTable parse(std::string_view text);
  // dnsmasq: "expiry mac address host client-id" per line; its DHCPv6 lines carry an IAID
  // where the MAC would be and are passed over (no MAC), as is the server's "duid" line.
  static LeaseTable parse_dnsmasq(std::string_view text);
  // odhcpd: "# iface id iaid host expiry hostid length address/len..." per lease, where id is
  // the DHCPv4 client's MAC (iaid "ipv4") or the DHCPv6 client's DUID, whose MAC is read from
  // a DUID-LL or DUID-LLT on Ethernet (other DUIDs name no MAC). Only full-length addresses
  // are a client's (a delegated prefix is a router's); its "address<TAB>name" lines, the
  // hosts-file side of the same file, are passed over.
  static LeaseTable parse_odhcpd(std::string_view text);

  [[nodiscard]] const Lease* find(const config::IpAddress& address) const noexcept;
  [[nodiscard]] const std::vector<Lease>& leases() const noexcept { return leases_; }
  [[nodiscard]] std::size_t skipped() const noexcept { return skipped_; }  // unreadable lines
  [[nodiscard]] LeaseFormat format() const noexcept { return format_; }

 private:
  void sort();
  std::vector<Lease> leases_;  // sorted by address
  std::size_t skipped_ = 0;
  LeaseFormat format_ = LeaseFormat::dnsmasq;
};

}  // namespace sprout::core
