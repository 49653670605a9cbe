// The policy decision for one name: the single function both serving and `explain` use.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "sprout/blocklists/domain_index.hpp"

namespace sprout::core {

struct Snapshot;
struct NetworkPolicy;
struct DevicePolicy;

enum class Reason : std::uint8_t {
  no_match,          // nothing matched: resolve normally
  allow_override,    // profile or global allow list
  deny_override,     // profile or global deny list
  bypass,            // encrypted-DNS canary, Private Relay, resolver discovery
  schedule_block_all,       // a block_all window (bedtime) is active
  schedule_allowlist_only,  // an allowlist_only window (exam mode) is active
  schedule_allow,    // allowed by the active window's own allow list
  safesearch,        // rewritten to the engine's forced-safe host
  allowlist,         // an allow entry in a loaded list (allowlist, @@, rpz-passthru)
  category,          // a blocking entry in a category the profile blocks
  rebinding,         // an upstream answer pointed a public name into a private range
  paused,            // would be blocked, but a timed pause covers it
};

enum class DecisionKind : std::uint8_t { resolve, block, rewrite };

struct Decision {
  DecisionKind kind = DecisionKind::resolve;
  Reason reason = Reason::no_match;
  int category = -1;                               // index into config.categories
  blocklists::ListId list = blocklists::kNoList;   // the list that matched, if any
  std::string_view matched;                        // the suffix that matched
  std::string_view rewrite_target;                 // SafeSearch host (kind == rewrite)
  bool nodata = false;                             // answer NODATA rather than the profile's mode
  bool nxdomain = false;                           // answer NXDOMAIN whatever the profile's mode
  int schedule = -1;                               // the schedule that decided, if any
  std::uint32_t active_schedules = 0;              // bit i = profile schedule i active
  blocklists::CategorySet blocked = 0;             // the categories in force
  std::uint32_t ttl_cap = UINT32_MAX;              // seconds until the next schedule change
};

[[nodiscard]] std::string_view reason_name(Reason r) noexcept;

// Decides what `qname` (canonical lowercase) gets under profile `profile` (an index in
// config.profiles: the device's or the network's) at `now`. Allocation-free.
[[nodiscard]] Decision decide(const Snapshot& snap, std::size_t profile, std::string_view qname,
                              std::uint16_t qtype, std::chrono::system_clock::time_point now) noexcept;
// The same for a client known only by its network.
[[nodiscard]] Decision decide(const Snapshot& snap, const NetworkPolicy& network, std::string_view qname,
                              std::uint16_t qtype, std::chrono::system_clock::time_point now) noexcept;
// What serving decides for a client, outside the query path (explain, the block page): the
// device's profile when the device is known, else the network's, and the timed pauses that
// cover either applied (as PolicyDecision does).
[[nodiscard]] Decision decide_for_client(const Snapshot& snap, const NetworkPolicy& network, const DevicePolicy* device,
                                         std::string_view qname, std::uint16_t qtype,
                                         std::chrono::system_clock::time_point now) noexcept;

}  // namespace sprout::core
