// Longest-prefix matching of client addresses to configured networks.
#include "sprout/core/network_table.hpp"

#include <algorithm>

#include "sprout/core/client_id.hpp"
#include "sprout/core/counters.hpp"

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
  for (std::size_t i = 0; i < cfg.clients.size(); ++i) {
    const config::Client& c = cfg.clients[i];
    clients_.push_back({c.id, client_id_unit(cfg, i), profile_index(cfg, c.profile)});
  }
  // Unknown clients of a listener count under "none", like a query no network claims.
  auto add_listeners = [&](const std::vector<config::EncryptedListener>& ls, const char* kind) {
    for (const config::EncryptedListener& l : ls) {
      listener_defaults_.push_back({std::string(kind) + " " + l.endpoint.to_string(), kMaxCountedNetworks - 1,
                                    profile_index(cfg, l.profile)});
      listener_refuses_.push_back(l.unknown_clients == config::UnknownClients::refuse);
    }
  };
  add_listeners(cfg.dot, "dot");
  add_listeners(cfg.doh, "doh");
  dot_listeners_ = cfg.dot.size();
}

const NetworkPolicy* NetworkTable::client(std::string_view client_id) const noexcept {
  for (const NetworkPolicy& c : clients_) {
    if (iequals(c.name, client_id)) return &c;
  }
  return nullptr;
}

const NetworkPolicy* NetworkTable::encrypted(bool doh, std::size_t listener, std::string_view client_id) const noexcept {
  if (const NetworkPolicy* c = client_id.empty() ? nullptr : client(client_id)) return c;
  const std::size_t at = (doh ? dot_listeners_ : 0) + listener;
  if (at >= listener_defaults_.size() || listener_refuses_[at]) return nullptr;
  return &listener_defaults_[at];
}

const NetworkPolicy* NetworkTable::match(const config::IpAddress& client) const noexcept {
  for (const Entry& e : prefixes_) {
    if (e.prefix.contains(client)) return &networks_[e.network];
  }
  return nullptr;
}

}  // namespace sprout::core
