// What `sproutdns devices` and GET /api/devices show: configured devices, leases, unknown MACs.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "sprout/core/json.hpp"
#include "sprout/core/query_context.hpp"
#include "sprout/core/snapshot.hpp"

namespace sprout::core {

// Configured devices (name, profile, MACs, labels), the DHCP leases whose MAC no device has,
// the MACs seen in queries that no device has (memory only, lost at restart), and the
// identity options ignored (summed over the workers' counters; zeros when not known, e.g.
// the CLI reading the config while the server is down). For the admin on this box: it names
// MACs, so it is token-guarded and never goes to the stats store, reports or metrics.
[[nodiscard]] Json devices_json(const Snapshot& snap, const std::array<std::uint64_t, kIgnoredOptions>& ignored = {});
[[nodiscard]] std::string devices_text(const Json& view);

}  // namespace sprout::core
