// The decision order. Each step is in its place for a reason given beside it.
#include "sprout/core/decision.hpp"

#include <algorithm>
#include <bit>

#include "sprout/core/pause_book.hpp"
#include "sprout/core/query_context.hpp"
#include "sprout/core/safesearch.hpp"
#include "sprout/core/snapshot.hpp"

namespace sprout::core {
namespace {

using blocklists::CategorySet;
using LVerdict = blocklists::Verdict;

std::string_view parent_or_self(std::string_view name, std::string_view suffix) {
  return name == suffix || (name.size() > suffix.size() && name.ends_with(suffix) &&
                            name[name.size() - suffix.size() - 1] == '.') ? suffix : std::string_view{};
}

// Names that make browsers and OSes stop bypassing the network's DNS when they get NXDOMAIN
// (or NODATA for resolver discovery).
bool bypass_canary(std::string_view qname, Decision& d) {
  for (std::string_view n : {"use-application-dns.net", "mask.icloud.com", "mask-h2.icloud.com"}) {
    if (!parent_or_self(qname, n).empty()) {
      d.matched = n;
      d.nxdomain = true;
      return true;
    }
  }
  if (!parent_or_self(qname, "_dns.resolver.arpa").empty()) {
    d.matched = "_dns.resolver.arpa";
    d.nodata = true;
    return true;
  }
  return false;
}

void set_block(Decision& d, Reason r) {
  d.kind = DecisionKind::block;
  d.reason = r;
}

// block_all and allowlist_only windows: only their own allow names (and, for exam mode,
// allowed categories) resolve. Returns true when the window decided.
bool apply_windows(const Snapshot& snap, const ProfilePolicy& p, std::string_view qname, Decision& d) {
  for (std::size_t i = 0; i < p.schedules.size(); ++i) {
    const ScheduleRule& s = p.schedules[i];
    if ((d.active_schedules & (1u << i)) == 0 || s.mode == config::ScheduleMode::add_categories) continue;
    d.schedule = static_cast<int>(i);
    const blocklists::Match allowed = s.allow.lookup(qname, ~CategorySet{0});
    if (allowed.verdict == LVerdict::allow) {
      d.reason = Reason::schedule_allow;
      d.matched = allowed.suffix;
      return true;
    }
    if (s.mode == config::ScheduleMode::allowlist_only && snap.lists && s.allow_categories != 0) {
      const blocklists::Match m = snap.lists.lookup(qname, s.allow_categories);
      if (m.verdict == LVerdict::block) {  // listed in a category exam mode lets through
        d.reason = Reason::schedule_allow;
        d.matched = m.suffix;
        d.category = std::countr_zero(m.categories);
        return true;
      }
    }
    set_block(d, s.mode == config::ScheduleMode::block_all ? Reason::schedule_block_all : Reason::schedule_allowlist_only);
    return true;
  }
  return false;
}

void apply_lists(const Snapshot& snap, std::string_view qname, Decision& d) {
  if (!snap.lists) return;
  const blocklists::Match m = snap.lists.lookup(qname, d.blocked);
  if (m.verdict == LVerdict::none) return;
  d.matched = m.suffix;
  d.list = m.list;
  d.nodata = m.nodata;
  if (m.categories != 0) d.category = std::countr_zero(m.categories);
  if (m.verdict == LVerdict::allow) d.reason = Reason::allowlist;
  else set_block(d, Reason::category);
}

}  // namespace

std::string_view reason_name(Reason r) noexcept {
  switch (r) {
    case Reason::no_match: return "no match";
    case Reason::allow_override: return "allow override";
    case Reason::deny_override: return "deny override";
    case Reason::bypass: return "bypass prevention";
    case Reason::schedule_block_all: return "schedule: block all";
    case Reason::schedule_allowlist_only: return "schedule: allowlist only";
    case Reason::schedule_allow: return "schedule: allowed";
    case Reason::safesearch: return "safesearch";
    case Reason::allowlist: return "allowlist entry";
    case Reason::category: return "category";
    case Reason::rebinding: return "rebinding protection";
    case Reason::paused: return "paused";
  }
  return "?";
}

Decision decide(const Snapshot& snap, const NetworkPolicy& network, std::string_view qname,
                std::uint16_t qtype, std::chrono::system_clock::time_point now) noexcept {
  return decide(snap, network.profile, qname, qtype, now);
}

Decision decide_for_client(const Snapshot& snap, const NetworkPolicy& network, const DevicePolicy* device,
                           std::string_view qname, std::uint16_t qtype, std::chrono::system_clock::time_point now) noexcept {
  QueryContext q;
  q.snapshot = &snap;
  q.network = &network;
  q.device = device;
  Decision d = decide(snap, q.profile(), qname, qtype, now);
  apply_pauses(q, qname, now, d);
  return d;
}

Decision decide(const Snapshot& snap, std::size_t profile, std::string_view qname,
                std::uint16_t /*qtype*/, std::chrono::system_clock::time_point now) noexcept {
  Decision d;
  const ProfilePolicy& p = snap.profiles[profile];
  // 0. The schedule state first: every later step reads it, and every answer's TTL is capped
  //    at the next change so nothing cached outlives a window.
  const time::State state = p.clock->at_cached(now);
  d.active_schedules = state.active;
  d.ttl_cap = time::ttl_cap(now, state);
  // The dashboard's skip/extend of a window holds until its end, which also caps the TTL.
  for (const ScheduleForce& f : p.forced) {
    if (now >= f.until) continue;
    d.active_schedules = f.active ? d.active_schedules | f.bit : d.active_schedules & ~f.bit;
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(f.until - now).count();
    d.ttl_cap = std::min<std::uint32_t>(d.ttl_cap, static_cast<std::uint32_t>(std::min<long long>(left, UINT32_MAX)));
  }
  d.blocked = p.blocked;
  for (std::size_t i = 0; i < p.schedules.size(); ++i) {
    if (d.active_schedules & (1u << i)) d.blocked |= p.schedules[i].add;
  }
  // Then what active windows allow ("games only on weekends"): an allowed window beats a block.
  for (std::size_t i = 0; i < p.schedules.size(); ++i) {
    if (d.active_schedules & (1u << i)) d.blocked &= ~p.schedules[i].remove;
  }
  if (p.bypass_prevention) d.blocked |= snap.bypass_categories;
  // 1. Overrides (profile and global): the admin's explicit word wins over everything else.
  const blocklists::Match o = p.overrides.lookup(qname, ~CategorySet{0});
  if (o.verdict != LVerdict::none) {
    d.matched = o.suffix;
    if (o.verdict == LVerdict::allow) d.reason = Reason::allow_override;
    else set_block(d, Reason::deny_override);
    return d;
  }
  // 2. Bypass prevention before schedules: a canary must say "filtered network" at any hour.
  if (p.bypass_prevention && bypass_canary(qname, d)) {
    set_block(d, Reason::bypass);
    return d;
  }
  // 3. Windows that switch to allowlist-only or block-all.
  if (apply_windows(snap, p, qname, d)) return d;
  // 4. SafeSearch before categories: the rewrite must not be skipped by an allowlist entry
  //    for google.com. But a blocked category (a blocked service: youtube) beats it: a
  //    parent who switched YouTube off did not ask for a safer YouTube.
  auto target = p.safesearch_on ? core::safesearch_target(qname, p.safesearch) : std::nullopt;
  if (target && snap.lists && snap.lists.lookup(qname, d.blocked).verdict == LVerdict::block) target.reset();
  if (target) {
    d.kind = DecisionKind::rewrite;
    d.reason = Reason::safesearch;
    d.rewrite_target = *target;
    return d;
  }
  // 5. Categories: most specific list entry wins; allow entries win ties.
  apply_lists(snap, qname, d);
  return d;
}

}  // namespace sprout::core
