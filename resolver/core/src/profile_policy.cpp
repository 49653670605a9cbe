// Compiling config profiles into lookup-ready policies.
#include "sprout/core/profile_policy.hpp"

#include <algorithm>

#include "sprout/core/log.hpp"

namespace sprout::core {
namespace {

// In the override index, a deny entry is a block entry in this one pseudo-category.
constexpr blocklists::CategorySet kDenyBit = 1;

dns::BlockedAnswer answer_for(const config::Profile& p) {
  dns::BlockedAnswer a;
  a.ttl = p.block_ttl;
  switch (p.block_mode) {
    case config::BlockMode::nxdomain: a.kind = dns::BlockedKind::nxdomain; break;
    case config::BlockMode::refused: a.kind = dns::BlockedKind::refused; break;
    case config::BlockMode::null_ip: a.kind = dns::BlockedKind::address; break;
    case config::BlockMode::blockpage:
      a.kind = dns::BlockedKind::address;
      if (p.blockpage_v4) std::copy_n(p.blockpage_v4->bytes.begin() + 12, 4, a.v4.begin());
      if (p.blockpage_v6) a.v6 = p.blockpage_v6->bytes;
      break;
  }
  return a;
}

const std::vector<std::string> kNone;

blocklists::DomainIndex override_index(const config::Config& cfg, const config::Profile& p, const config::ProfileOverride* o) {
  blocklists::IndexBuilder b;
  const blocklists::Rule deny{.allow = false, .cover = blocklists::Cover::exact_and_subtree, .nodata = false};
  const blocklists::Rule allow{.allow = true, .cover = blocklists::Cover::exact_and_subtree, .nodata = false};
  // Profile entries, global ones and the dashboard's (overrides file) land in one index; on the
  // same name allow wins, like lists.
  for (const auto* names : {&p.deny, &cfg.deny, o != nullptr ? &o->deny : &kNone}) {
    for (const auto& d : *names) b.add(d, deny, kDenyBit, blocklists::kNoList);
  }
  for (const auto* names : {&p.allow, &cfg.allow, o != nullptr ? &o->allow : &kNone}) {
    for (const auto& d : *names) b.add(d, allow, kDenyBit, blocklists::kNoList);
  }
  return b.build();
}

// The dashboard's category switches and schedule overrides on top of the profile's own.
void apply_overrides(const config::Config& cfg, const config::Profile& p, const config::ProfileOverride& o, ProfilePolicy& out) {
  for (const auto& [category, blocked] : o.categories) {
    const blocklists::CategorySet bit = category_mask(cfg, {category});
    out.blocked = blocked ? out.blocked | bit : out.blocked & ~bit;
  }
  for (const config::ScheduleOverride& s : o.schedules) {
    for (std::size_t i = 0; i < p.schedules.size(); ++i) {
      if (p.schedules[i].name != s.schedule) continue;
      out.forced.push_back({1u << i, s.active, std::chrono::sys_seconds(std::chrono::seconds(s.until))});
    }
  }
}

blocklists::DomainIndex allow_index(const std::vector<std::string>& names, bool local_suffixes = false) {
  blocklists::IndexBuilder b;
  const blocklists::Rule allow{.allow = true, .cover = blocklists::Cover::exact_and_subtree, .nodata = false};
  for (const auto& d : names) b.add(d, allow, kDenyBit, blocklists::kNoList);
  if (local_suffixes) {
    for (std::string_view d : kLocalSuffixes) b.add(d, allow, kDenyBit, blocklists::kNoList);
  }
  return b.build();
}

std::unique_ptr<time::ScheduleClock> schedule_clock(const config::Config& cfg, const config::Profile& p) {
  const std::string& zone_name = p.timezone.empty() ? cfg.timezone : p.timezone;
  std::string error;
  std::optional<time::TimeZone> zone = time::TimeZone::utc();
  if (!zone_name.empty() && zone_name != "UTC") zone = time::TimeZone::load(zone_name, error);
  // The config loader checked the zone (same $TZDIR); should it vanish before the snapshot is
  // built, the schedules run on UTC, and that is said, never silent.
  if (!zone) log::error("profile '", p.name, "': ", error, "; its schedules run on UTC");
  return std::make_unique<time::ScheduleClock>(p.schedules, zone ? *zone : time::TimeZone::utc());
}

}  // namespace

blocklists::CategorySet category_mask(const config::Config& cfg, const std::vector<std::string>& names) {
  blocklists::CategorySet mask = 0;
  for (const auto& n : names) {
    for (std::size_t i = 0; i < cfg.categories.size() && i < blocklists::kMaxCategories; ++i) {
      if (cfg.categories[i].name == n) mask |= blocklists::CategorySet{1} << i;
    }
  }
  return mask;
}

std::vector<ProfilePolicy> compile_profiles(const config::Config& cfg) {
  std::vector<ProfilePolicy> out;
  for (const config::Profile& p : cfg.profiles) {
    ProfilePolicy compiled;
    compiled.name = p.name;
    // A blocked service is the category of its own name (the loader added it with its list).
    compiled.blocked = category_mask(cfg, p.block) | category_mask(cfg, p.services);
    const config::ProfileOverride* o = cfg.overrides.of(p.name);
    compiled.overrides = override_index(cfg, p, o);
    compiled.answer = answer_for(p);
    compiled.safesearch = p.safesearch;
    const config::SafeSearch& ss = p.safesearch;
    compiled.safesearch_on = ss.google || ss.bing || ss.duckduckgo || ss.yandex || ss.pixabay ||
                             ss.youtube != config::YoutubeMode::off;
    compiled.bypass_prevention = p.bypass_prevention;
    compiled.rebinding_protection = p.rebinding_protection;
    compiled.rebinding_allow = allow_index(p.rebinding_allow, true);
    for (const config::Schedule& s : p.schedules) {
      const blocklists::CategorySet allowed_services = category_mask(cfg, s.allow_services);
      const bool add = s.mode == config::ScheduleMode::add_categories;
      compiled.schedules.push_back({s.name, s.mode, category_mask(cfg, s.block) | category_mask(cfg, s.services),
                                    category_mask(cfg, s.allow_categories) | (add ? 0 : allowed_services),
                                    allow_index(s.allow), add ? allowed_services : 0});
    }
    if (o != nullptr) apply_overrides(cfg, p, *o, compiled);
    compiled.clock = schedule_clock(cfg, p);
    out.push_back(std::move(compiled));
  }
  return out;
}

}  // namespace sprout::core
