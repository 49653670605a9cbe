// Explaining a decision: the same decide() as serving, rendered for people and for the API.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "sprout/core/snapshot.hpp"

namespace sprout::core {

struct Explanation {
  bool refused = false;            // the client is in no configured network
  std::string client, name, type;
  std::string network, profile, timezone;
  std::string device;              // the configured device asked about (its profile wins), if any
  std::string client_id;           // the DoT/DoH client ID asked about (it stands for the network), if any
  std::map<std::string, std::string> labels;
  std::vector<std::string> active_schedules;
  std::string next_change;         // ISO 8601 UTC, or "never"
  std::string action;              // resolve, block, rewrite
  std::string reason;
  std::string matched, category, list, rewrite_target, answer;
  std::string service;             // the blocked service (its title) when a service's list decided
  std::size_t line = 0;            // line in the list file, 0 if unknown
  // Where an entry outside the lists comes from: "profiles.kids.deny", "allow" (global),
  // "overrides (profile kids)", a schedule's allow, or the built-in bypass names.
  std::string source;
  std::string override_rule;       // set when the dashboard's overrides decided: what it says
  std::uint32_t ttl_cap = 0;
  std::string rebinding;           // what the answer side would do with a local address
  std::string rate_limit;          // the client's bucket ("off", or rate, burst and prefix)
};

// `name` is any spelling (case, trailing dot, UTF-8 IDN); `type` a mnemonic like "AAAA".
// `device` names a configured device (as if its router had sent its MAC); empty: none.
// `client_id`: asked as that DoT/DoH client (NetworkTable::client), whatever its address.
// `network`: asked as a client of that configured network, whatever its address.
Explanation explain(const Snapshot& snap, const config::IpAddress& client, std::string_view name,
                    std::string_view type, std::chrono::system_clock::time_point at,
                    const DevicePolicy* device = nullptr, const NetworkPolicy* client_id = nullptr,
                    const NetworkPolicy* network = nullptr);

std::string to_text(const Explanation& e);
std::string to_json(const Explanation& e);

// "A" -> 1 ... ; 0 if unknown.
std::uint16_t type_from_name(std::string_view type) noexcept;

}  // namespace sprout::core
