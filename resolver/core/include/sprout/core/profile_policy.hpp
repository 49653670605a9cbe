// A profile compiled for the hot path: category mask, override index, block answer settings.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sprout/blocklists/domain_index.hpp"
#include "sprout/config/config.hpp"
#include "sprout/dns/synthesized.hpp"
#include "sprout/time/schedule_clock.hpp"

namespace sprout::core {

// A schedule as decide() needs it while it is active.
struct ScheduleRule {
  std::string name;
  config::ScheduleMode mode = config::ScheduleMode::add_categories;
  blocklists::CategorySet add = 0;               // add_categories: blocked on top
  blocklists::CategorySet allow_categories = 0;  // allowlist_only: categories that resolve
  blocklists::DomainIndex allow;                 // allowlist_only, block_all: names that resolve
  blocklists::CategorySet remove = 0;            // add_categories: services allowed while active
};

// A dashboard override of one schedule (config::ScheduleOverride): kept on (extend) or off
// (skip) until `until`, whatever its windows say.
struct ScheduleForce {
  std::uint32_t bit = 0;  // the schedule's bit in the clock's mask
  bool active = false;
  std::chrono::sys_seconds until{};
};

struct ProfilePolicy {
  std::string name;
  blocklists::CategorySet blocked = 0;      // categories this profile always blocks
  blocklists::DomainIndex overrides;        // allow (allow entries) and deny (block entries),
                                            // profile's and global ones in one index
  dns::BlockedAnswer answer;                // kind, TTL and addresses for blocked names
  config::SafeSearch safesearch;
  bool safesearch_on = false;               // any engine enforced: skips the table lookup per query otherwise
  bool bypass_prevention = true;
  bool rebinding_protection = true;
  blocklists::DomainIndex rebinding_allow;  // profile's names + kLocalSuffixes: local addresses allowed
  std::vector<ScheduleRule> schedules;      // bit i of the clock's mask = schedules[i]
  std::vector<ScheduleForce> forced;        // from the overrides file; expired ones do nothing
  std::unique_ptr<time::ScheduleClock> clock;  // windows in the profile's time zone
};

// Names that are local by definition (RFC 6761 localhost, RFC 6762 local, RFC 8375 home.arpa,
// ICANN's reserved internal, and lan, OpenWrt's default domain, delegated nowhere): no
// public name lives under them, so their local addresses are never a rebinding.
inline constexpr std::string_view kLocalSuffixes[] = {"localhost", "local", "home.arpa", "internal", "lan"};

// Bit i of a CategorySet = cfg.categories[i]; unknown names are ignored (the loader
// already rejected them).
blocklists::CategorySet category_mask(const config::Config& cfg, const std::vector<std::string>& names);

std::vector<ProfilePolicy> compile_profiles(const config::Config& cfg);

}  // namespace sprout::core
