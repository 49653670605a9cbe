// Which configured network a client address belongs to (longest prefix wins).
#pragma once

#include <string>
#include <vector>

#include "sprout/config/config.hpp"

namespace sprout::core {

// A network as the hot path sees it: resolved once per snapshot.
struct NetworkPolicy {
  std::string name;
  std::size_t index = 0;      // position in config.networks
  std::size_t profile = 0;    // position in config.profiles
};

// Position of the profile `name` in cfg.profiles (0, "default", if absent: the loader checked it).
std::size_t profile_index(const config::Config& cfg, const std::string& name);

class NetworkTable {
 public:
  explicit NetworkTable(const config::Config& cfg);
  // nullptr: the address is in no configured network, so it must be refused.
  [[nodiscard]] const NetworkPolicy* match(const config::IpAddress& client) const noexcept;
  [[nodiscard]] const std::vector<NetworkPolicy>& networks() const noexcept { return networks_; }

 private:
  struct Entry {
    config::IpPrefix prefix;
    std::size_t network;
  };
  std::vector<NetworkPolicy> networks_;
  std::vector<Entry> prefixes_;  // sorted longest first, so the first hit is the best
};

}  // namespace sprout::core
