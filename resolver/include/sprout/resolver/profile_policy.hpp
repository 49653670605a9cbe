// A profile compiled for the hot path: category mask, override index, block answer settings.
#pragma once

#include <string>
#include <vector>

#include "sprout/blocklists/domain_index.hpp"
#include "sprout/config/config.hpp"
#include "sprout/dns/synthesized.hpp"

namespace sprout::resolver {

struct ProfilePolicy {
  std::string name;
  blocklists::CategorySet blocked = 0;      // categories this profile always blocks
  blocklists::DomainIndex overrides;        // allow (allow entries) and deny (block entries),
                                            // profile's and global ones in one index
  dns::BlockedAnswer answer;                // kind, TTL and addresses for blocked names
};

// Bit i of a CategorySet = cfg.categories[i]; unknown names are ignored (the loader
// already rejected them).
blocklists::CategorySet category_mask(const config::Config& cfg, const std::vector<std::string>& names);

std::vector<ProfilePolicy> compile_profiles(const config::Config& cfg);

}  // namespace sprout::resolver
