// The decision order: overrides before lists, so an admin's word beats any list.
#include "sprout/resolver/decision.hpp"

#include <bit>

#include "sprout/resolver/snapshot.hpp"

namespace sprout::resolver {

std::string_view reason_name(Reason r) noexcept {
  switch (r) {
    case Reason::no_match: return "no match";
    case Reason::allow_override: return "allow override";
    case Reason::deny_override: return "deny override";
    case Reason::allowlist: return "allowlist entry";
    case Reason::category: return "category";
  }
  return "?";
}

Decision decide(const Snapshot& snap, const NetworkPolicy& network, std::string_view qname,
                std::uint16_t /*qtype*/, std::chrono::system_clock::time_point /*now*/) noexcept {
  Decision d;
  const ProfilePolicy& profile = snap.profiles[network.profile];
  d.blocked = profile.blocked;
  // 1. Overrides (profile and global): the admin's explicit word wins over every list.
  const blocklists::Match o = profile.overrides.lookup(qname, ~blocklists::CategorySet{0});
  if (o.verdict != blocklists::Verdict::none) {
    d.matched = o.suffix;
    d.reason = o.verdict == blocklists::Verdict::allow ? Reason::allow_override : Reason::deny_override;
    d.kind = o.verdict == blocklists::Verdict::allow ? DecisionKind::resolve : DecisionKind::block;
    return d;
  }
  // 2. Categories: most specific list entry wins; allow entries win ties.
  if (!snap.lists) return d;
  const blocklists::Match m = snap.lists->lookup(qname, d.blocked);
  if (m.verdict == blocklists::Verdict::none) return d;
  d.matched = m.suffix;
  d.list = m.list;
  d.nodata = m.nodata;
  if (m.categories != 0) d.category = std::countr_zero(m.categories);
  d.reason = m.verdict == blocklists::Verdict::allow ? Reason::allowlist : Reason::category;
  d.kind = m.verdict == blocklists::Verdict::allow ? DecisionKind::resolve : DecisionKind::block;
  return d;
}

}  // namespace sprout::resolver
