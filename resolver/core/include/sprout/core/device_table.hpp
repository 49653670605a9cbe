// Which configured device a MAC or CPE id belongs to, and which forwarders may say so.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sprout/config/config.hpp"

namespace sprout::core {

// A device as the hot path sees it: resolved once per snapshot.
struct DevicePolicy {
  std::string name;
  std::size_t index = 0;      // position in config.devices
  std::size_t profile = 0;    // position in config.profiles
  int label_group = -1;       // position in device_label_groups(); -1: no labels
};

// The distinct non-empty label sets of the configured devices, in config order: devices
// sharing labels count together in reports (see report_units in counters.hpp).
[[nodiscard]] std::vector<std::map<std::string, std::string>> device_label_groups(const config::Config& cfg);

class DeviceTable {
 public:
  explicit DeviceTable(const config::Config& cfg);
  [[nodiscard]] const DevicePolicy* by_mac(const config::MacAddress& mac) const noexcept;
  [[nodiscard]] const DevicePolicy* by_cpe(std::string_view cpe_id) const noexcept;
  [[nodiscard]] const DevicePolicy* by_name(std::string_view name) const noexcept;
  // "tablet-an, phone-bo" (or "none"): what an "unknown device" error lists as valid.
  [[nodiscard]] std::string names() const;
  // Options naming a device are believed only from these senders (routers Sprout serves).
  [[nodiscard]] bool trusted(const config::IpAddress& sender) const noexcept;
  [[nodiscard]] bool empty() const noexcept { return devices_.empty(); }
  [[nodiscard]] const std::vector<DevicePolicy>& devices() const noexcept { return devices_; }

 private:
  std::vector<DevicePolicy> devices_;
  std::vector<std::pair<config::MacAddress, std::size_t>> macs_;  // sorted by MAC
  std::vector<std::pair<std::string, std::size_t>> cpes_;
  std::vector<config::IpPrefix> trusted_;
};

}  // namespace sprout::core
