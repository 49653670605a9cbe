// Which configured device a client address is, outside a DNS query (the block page's visitor).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sprout/config/config.hpp"
#include "sprout/core/device_table.hpp"

namespace sprout::core {

struct Snapshot;

// The MAC the kernel's IPv4 neighbour table (/proc/net/arp) has for `address`; nullopt when
// the address is not a complete entry there.
[[nodiscard]] std::optional<config::MacAddress> mac_in_arp_table(std::string_view text, const config::IpAddress& address);

// A browser reaching the block page connects straight to Sprout, not through the router, so
// no router option names it: its DHCP lease (Sprout on the router) or, on the same LAN, the
// kernel's neighbour table gives its MAC, and the MAC its device. nullptr: no known device.
[[nodiscard]] const DevicePolicy* device_at(const Snapshot& snap, const config::IpAddress& address,
                                            const std::string& arp_path = "/proc/net/arp");

}  // namespace sprout::core
