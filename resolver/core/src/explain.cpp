// Explanations: everything decide() looked at, spelled out.
#include "sprout/core/explain.hpp"

#include <algorithm>
#include <ctime>
#include <sstream>

#include "sprout/blocklists/list_loader.hpp"
#include "sprout/blocklists/normalize.hpp"
#include "sprout/config/services.hpp"
#include "sprout/time/clock.hpp"
#include "sprout/time/schedule_clock.hpp"
#include "sprout/core/json.hpp"

namespace sprout::core {
namespace {

std::string iso_utc(std::chrono::sys_seconds t) {
  return t >= time::kNever ? "never" : time::format_iso8601_utc(t);
}

std::string answer_text(const Snapshot& snap, const Decision& d, std::size_t profile) {
  if (d.kind == DecisionKind::resolve) return "forwarded upstream (or answered from cache)";
  if (d.kind == DecisionKind::rewrite) return "CNAME " + std::string(d.rewrite_target) + " + its addresses";
  if (d.nodata) return "NODATA with SOA";
  if (d.nxdomain) return "NXDOMAIN with SOA";
  switch (snap.config->profiles[profile].block_mode) {
    case config::BlockMode::nxdomain: return "NXDOMAIN with SOA";
    case config::BlockMode::null_ip: return "0.0.0.0 / ::";
    case config::BlockMode::refused: return "REFUSED";
    case config::BlockMode::blockpage: return "the block page address";
  }
  return "?";
}

bool has(const std::vector<std::string>& v, std::string_view name) { return std::find(v.begin(), v.end(), name) != v.end(); }

// Where an entry that is in no list was configured.
std::string entry_source(const Snapshot& snap, std::size_t profile, const Decision& d) {
  const config::Config& cfg = *snap.config;
  const config::Profile& p = cfg.profiles[profile];
  const bool allow = d.reason == Reason::allow_override;
  if (d.reason == Reason::allow_override || d.reason == Reason::deny_override) {
    if (has(allow ? p.allow : p.deny, d.matched)) return "profiles." + p.name + (allow ? ".allow" : ".deny");
    if (has(allow ? cfg.allow : cfg.deny, d.matched)) return allow ? "allow (global)" : "deny (global)";
  }
  if (d.reason == Reason::bypass) return "the built-in bypass names";
  if (d.reason == Reason::schedule_allow && d.schedule >= 0) return "profiles." + p.name + ".schedules." + p.schedules[static_cast<std::size_t>(d.schedule)].name + ".allow";
  return {};
}

// When the dashboard's overrides file decided: the rule is the override, named as such.
void describe_override(const Snapshot& snap, std::size_t profile, const Decision& d, Explanation& e) {
  const config::Profile& p = snap.config->profiles[profile];
  const config::ProfileOverride* o = snap.config->overrides.of(p.name);
  if (o == nullptr) return;
  const std::string where = " for profile " + p.name + " (dashboard override, overrides.json)";
  const bool allow = d.reason == Reason::allow_override;
  if ((d.reason == Reason::allow_override || d.reason == Reason::deny_override) && e.source.empty() &&
      has(allow ? o->allow : o->deny, d.matched)) {
    e.override_rule = (allow ? "allow '" : "block '") + std::string(d.matched) + "'" + where;
  } else if (d.reason == Reason::category && !e.category.empty() && o->categories.contains(e.category) &&
             o->categories.at(e.category)) {
    e.override_rule = "category " + e.category + " switched on" + where;
  } else if (d.schedule >= 0) {
    for (const config::ScheduleOverride& s : o->schedules) {
      if (s.schedule == p.schedules[static_cast<std::size_t>(d.schedule)].name && s.active)
        e.override_rule = "schedule " + s.schedule + " extended" + where;
    }
  }
  if (!e.override_rule.empty()) {
    e.reason = "override";
    e.source = "overrides.json (profile " + p.name + ")";
  }
}

void describe_match(const Snapshot& snap, std::size_t profile, const Decision& d, Explanation& e) {
  e.matched = std::string(d.matched);
  if (d.category >= 0) e.category = snap.config->categories[static_cast<std::size_t>(d.category)].name;
  if (d.list == blocklists::kNoList || d.list >= snap.config->lists.size()) {
    if (!e.matched.empty()) e.source = entry_source(snap, profile, d);
    return;
  }
  const config::List& list = snap.config->lists[d.list];
  e.list = list.name;
  if (list.name.starts_with(config::kServiceListPrefix) && d.category >= 0) {
    e.service = snap.config->categories[static_cast<std::size_t>(d.category)].description;
  }
  e.line = blocklists::find_list_line(*snap.config, list, d.matched).value_or(0);
}

// The answer-side check that explain can only describe: it depends on what upstream answers.
std::string rebinding_text(const Snapshot& snap, const NetworkPolicy& net, std::string_view name) {
  const ProfilePolicy& p = snap.profiles[net.profile];
  if (!p.rebinding_protection) return "off in this profile";
  if (p.rebinding_allow.lookup(name, ~blocklists::CategorySet{0}).verdict == blocklists::Verdict::allow)
    return "on, but this name is allowed local addresses (rebinding_allow or a local suffix)";
  return "on: an upstream answer into loopback, private, link-local, CGNAT or unspecified ranges is blocked";
}

std::string rate_limit_text(const config::Config& cfg, const config::IpAddress& client) {
  const config::RateLimit& r = cfg.rate_limit;
  if (r.qps == 0) return "off";
  return std::to_string(r.qps) + " qps, burst " + std::to_string(r.burst) + ", per /" +
         std::to_string(client.v4 ? r.ipv4_prefix : r.ipv6_prefix) + " and worker; over it: " +
         (r.action == config::RateLimitAction::refuse ? "REFUSED" : "TC=1 (REFUSED over TCP)");
}

}  // namespace

std::uint16_t type_from_name(std::string_view type) noexcept {
  static constexpr std::pair<std::string_view, std::uint16_t> kTypes[] = {
      {"A", 1}, {"NS", 2}, {"CNAME", 5}, {"SOA", 6}, {"PTR", 12}, {"MX", 15}, {"TXT", 16},
      {"AAAA", 28}, {"SRV", 33}, {"SVCB", 64}, {"HTTPS", 65}, {"ANY", 255}};
  for (const auto& [n, v] : kTypes) {
    if (n.size() == type.size() && std::equal(n.begin(), n.end(), type.begin(), [](char a, char b) { return a == std::toupper(b); })) return v;
  }
  return 0;
}

Explanation explain(const Snapshot& snap, const config::IpAddress& client, std::string_view name,
                    std::string_view type, std::chrono::system_clock::time_point at, const DevicePolicy* device,
                    const NetworkPolicy* client_id, const NetworkPolicy* network) {
  Explanation e;
  e.client = client.to_string();
  e.type = type.empty() ? "A" : std::string(type);
  e.name = blocklists::normalize_domain(name).value_or(std::string(name));
  // A client ID stands where the network would: it counts, and picks the profile, like one.
  const NetworkPolicy* net = client_id != nullptr ? client_id : network != nullptr ? network : snap.networks.match(client);
  if (net == nullptr) {
    e.refused = true;
    e.action = "refuse";
    e.reason = "the client is in no configured network (no open resolver)";
    e.answer = "REFUSED";
    return e;
  }
  // The most specific identity wins, as in serving: the device's profile, else the network's.
  const std::size_t profile_at = device != nullptr ? device->profile : net->profile;
  const config::Profile& profile = snap.config->profiles[profile_at];
  if (device != nullptr) e.device = device->name;
  e.network = net->name;
  if (client_id != nullptr) e.client_id = net->name;
  if (client_id == nullptr) e.labels = snap.config->networks[net->index].labels;
  for (const config::Client& c : snap.config->clients) {
    if (client_id != nullptr && c.id == client_id->name) e.labels = c.labels;
  }
  e.profile = profile.name;
  e.timezone = profile.timezone.empty() ? snap.config->timezone : profile.timezone;
  const Decision d = decide_for_client(snap, *net, device, e.name, type_from_name(e.type), at);
  for (std::size_t i = 0; i < profile.schedules.size(); ++i) {
    if (d.active_schedules & (1u << i)) e.active_schedules.push_back(profile.schedules[i].name);
  }
  e.next_change = iso_utc(snap.profiles[profile_at].clock->at(at).next_change);
  e.action = d.kind == DecisionKind::resolve ? "resolve" : d.kind == DecisionKind::block ? "block" : "rewrite";
  e.reason = std::string(reason_name(d.reason));
  e.rewrite_target = std::string(d.rewrite_target);
  e.ttl_cap = d.ttl_cap;
  e.answer = answer_text(snap, d, profile_at);
  describe_match(snap, profile_at, d, e);
  describe_override(snap, profile_at, d, e);
  e.rebinding = rebinding_text(snap, *net, e.name);
  e.rate_limit = rate_limit_text(*snap.config, client);
  return e;
}

std::string to_text(const Explanation& e) {
  std::ostringstream o;
  o << "query:     " << e.name << " " << e.type << " from " << e.client << "\n";
  if (e.refused) return o.str() + "network:   none\naction:    REFUSED (" + e.reason + ")\n";
  o << (e.client_id.empty() ? "network:   " : "client id: ") << e.network;
  for (const auto& [k, v] : e.labels) o << " " << k << "=" << v;
  if (!e.device.empty()) o << "\ndevice:    " << e.device;
  o << "\nprofile:   " << e.profile << " (time zone " << e.timezone << ")\n";
  o << "schedules: ";
  if (e.active_schedules.empty()) o << "none active";
  for (std::size_t i = 0; i < e.active_schedules.size(); ++i) o << (i ? ", " : "") << e.active_schedules[i];
  o << " (next change " << e.next_change << ")\n";
  // The rule, then the entry that matched as an entry: where it is (list and line, or the
  // config's allow/deny, or the dashboard's overrides), and the category it stands for.
  o << "rule:      " << e.reason;
  if (!e.override_rule.empty()) o << ": " << e.override_rule;
  if (!e.service.empty()) o << " (blocked service " << e.service << ")";
  if (!e.matched.empty()) {
    o << "\nentry:     '" << e.matched << "'";
    if (!e.list.empty()) o << " in list " << e.list << (e.line ? ", line " + std::to_string(e.line) : std::string(", line unknown"));
    else if (!e.source.empty()) o << " in " << e.source;
    if (!e.category.empty()) o << ", category " << e.category;
  } else if (!e.category.empty()) {
    o << ", category " << e.category;
  }
  o << "\naction:    " << e.action << ": " << e.answer << "\n";
  o << "ttl cap:   " << (e.ttl_cap == UINT32_MAX ? std::string("none") : std::to_string(e.ttl_cap) + " s") << "\n";
  o << "rebinding: " << e.rebinding << "\n";
  o << "rate:      " << e.rate_limit << "\n";
  return o.str();
}

std::string to_json(const Explanation& e) {
  const Json j = {{"client", e.client},
                  {"name", e.name},
                  {"type", e.type},
                  {"network", e.network},
                  {"device", e.device},
                  {"client_id", e.client_id},
                  {"profile", e.profile},
                  {"timezone", e.timezone},
                  {"action", e.action},
                  {"reason", e.reason},
                  {"matched", e.matched},
                  {"category", e.category},
                  {"service", e.service},
                  {"list", e.list},
                  {"source", e.source},
                  {"override", e.override_rule},
                  {"answer", e.answer},
                  {"next_change", e.next_change},
                  {"line", e.line},
                  {"ttl_cap", e.ttl_cap == UINT32_MAX ? -1 : static_cast<long long>(e.ttl_cap)},
                  {"rebinding", e.rebinding},
                  {"rate_limit", e.rate_limit},
                  {"active_schedules", e.active_schedules},
                  {"labels", e.labels}};
  return dump_json(j);
}

}  // namespace sprout::core
