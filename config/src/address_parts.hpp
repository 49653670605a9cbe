// Internal: parse a CIDR without rejecting host bits, so the loader can suggest the right prefix.
#pragma once

#include <optional>
#include <string_view>

#include "sprout/config/config.hpp"

namespace sprout::config::detail {

// "10.0.0.1/8" -> {10.0.0.1, 104}; host bits are kept as written.
std::optional<IpPrefix> parse_prefix_raw(std::string_view text);
// The prefix with every bit after `bits` cleared.
IpPrefix masked(const IpPrefix& p);
// "127.0.0.1:5354" or "[::1]:5354"; port 0-65535.
std::optional<Endpoint> parse_endpoint(std::string_view text);

}  // namespace sprout::config::detail
