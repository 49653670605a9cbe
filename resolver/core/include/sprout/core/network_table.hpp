// Which configured network a client address belongs to (longest prefix wins).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sprout/config/config.hpp"

namespace sprout::core {

// A network as the hot path sees it: resolved once per snapshot.
struct NetworkPolicy {
  std::string name;
  std::size_t index = 0;      // position in config.networks; a client ID's: client_id_unit() (reports)
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
  // A DoT (doh = false) or DoH client on listener `listener`: its client ID's entry (config.clients,
  // counted in its own report unit), else the listener's profile, or nullptr when the listener
  // refuses unknown clients. The address plays no part: these clients roam.
  [[nodiscard]] const NetworkPolicy* encrypted(bool doh, std::size_t listener, std::string_view client_id) const noexcept;
  [[nodiscard]] const NetworkPolicy* client(std::string_view client_id) const noexcept;

 private:
  struct Entry {
    config::IpPrefix prefix;
    std::size_t network;
  };
  std::vector<NetworkPolicy> networks_;
  std::vector<Entry> prefixes_;  // sorted longest first, so the first hit is the best
  std::vector<NetworkPolicy> clients_;
  // Per listener (config.dot, then config.doh): its policy for unknown IDs; refuse = no entry.
  std::vector<NetworkPolicy> listener_defaults_;
  std::vector<bool> listener_refuses_;
  std::size_t dot_listeners_ = 0;
};

}  // namespace sprout::core
