// Device lookup by MAC (binary search: a school may name hundreds) or CPE id.
#include "sprout/core/device_table.hpp"

#include <algorithm>

#include "sprout/core/network_table.hpp"

namespace sprout::core {

std::vector<std::map<std::string, std::string>> device_label_groups(const config::Config& cfg) {
  std::vector<std::map<std::string, std::string>> groups;
  for (const config::Device& d : cfg.devices) {
    if (!d.labels.empty() && std::find(groups.begin(), groups.end(), d.labels) == groups.end()) groups.push_back(d.labels);
  }
  return groups;
}

DeviceTable::DeviceTable(const config::Config& cfg) : trusted_(cfg.trusted_forwarders) {
  const auto groups = device_label_groups(cfg);
  for (std::size_t i = 0; i < cfg.devices.size(); ++i) {
    const config::Device& d = cfg.devices[i];
    const auto group = std::find(groups.begin(), groups.end(), d.labels);
    devices_.push_back({d.name, i, profile_index(cfg, d.profile),
                        group == groups.end() ? -1 : static_cast<int>(group - groups.begin())});
    for (const config::MacAddress& m : d.macs) macs_.emplace_back(m, i);
    if (!d.cpe_id.empty()) cpes_.emplace_back(d.cpe_id, i);
  }
  std::sort(macs_.begin(), macs_.end());
}

const DevicePolicy* DeviceTable::by_mac(const config::MacAddress& mac) const noexcept {
  const auto it = std::lower_bound(macs_.begin(), macs_.end(), mac,
                                   [](const auto& e, const config::MacAddress& m) { return e.first < m; });
  return it != macs_.end() && it->first == mac ? &devices_[it->second] : nullptr;
}

const DevicePolicy* DeviceTable::by_cpe(std::string_view cpe_id) const noexcept {
  for (const auto& [id, device] : cpes_) {
    if (id == cpe_id) return &devices_[device];
  }
  return nullptr;
}

const DevicePolicy* DeviceTable::by_name(std::string_view name) const noexcept {
  for (const DevicePolicy& d : devices_) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

std::string DeviceTable::names() const {
  std::string out;
  for (const DevicePolicy& d : devices_) out += (out.empty() ? "" : ", ") + d.name;
  return out.empty() ? "none" : out;
}

bool DeviceTable::trusted(const config::IpAddress& sender) const noexcept {
  return std::any_of(trusted_.begin(), trusted_.end(), [&](const config::IpPrefix& p) { return p.contains(sender); });
}

}  // namespace sprout::core
