// Longest-prefix matching of client addresses to configured networks.
#include "sprout/core/network_table.hpp"

#include <algorithm>

namespace sprout::core {
std::size_t profile_index(const config::Config& cfg, const std::string& name) {
  for (std::size_t i = 0; i < cfg.profiles.size(); ++i) {
    if (cfg.profiles[i].name == name) return i;
  }
  return 0;  // the loader guarantees the name exists; "default" is the safe fallback
}

NetworkTable::NetworkTable(const config::Config& cfg) {
  for (std::size_t i = 0; i < cfg.networks.size(); ++i) {
    const config::Network& n = cfg.networks[i];
    networks_.push_back({n.name, i, profile_index(cfg, n.profile)});
    for (const config::IpPrefix& p : n.cidrs) prefixes_.push_back({p, i});
  }
  std::stable_sort(prefixes_.begin(), prefixes_.end(),
                   [](const Entry& a, const Entry& b) { return a.prefix.bits > b.prefix.bits; });
}

const NetworkPolicy* NetworkTable::match(const config::IpAddress& client) const noexcept {
  for (const Entry& e : prefixes_) {
    if (e.prefix.contains(client)) return &networks_[e.network];
  }
  return nullptr;
}

}  // namespace sprout::core
