// A client address to its device: DHCP leases, then the kernel's neighbour table.
#include "sprout/core/client_device.hpp"

#include <fstream>
#include <sstream>

#include "sprout/core/device_directory.hpp"
#include "sprout/core/snapshot.hpp"

namespace sprout::core {

std::optional<config::MacAddress> mac_in_arp_table(std::string_view text, const config::IpAddress& address) {
  std::istringstream in{std::string(text)};
  std::string line;
  std::getline(in, line);  // "IP address  HW type  Flags  HW address  Mask  Device"
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string ip, type, flags, mac;
    if (!(fields >> ip >> type >> flags >> mac)) continue;
    const auto a = config::IpAddress::parse(ip);
    const auto m = config::parse_mac(mac);
    // Flags 0x2 (ATF_COM): a complete entry; an incomplete one has an all-zero address.
    if (a && *a == address && m && flags == "0x2") return m;
  }
  return std::nullopt;
}

const DevicePolicy* device_at(const Snapshot& snap, const config::IpAddress& address, const std::string& arp_path) {
  if (snap.devices.empty()) return nullptr;
  std::optional<config::MacAddress> mac;
  if (snap.directory && snap.directory->has_leases()) {
    if (const Lease* l = snap.directory->leases()->find(address)) mac = l->mac;
  }
  if (!mac && address.v4) {
    std::ifstream in(arp_path);
    std::ostringstream text;
    text << in.rdbuf();
    mac = mac_in_arp_table(text.str(), address);
  }
  return mac ? snap.devices.by_mac(*mac) : nullptr;
}

}  // namespace sprout::core
