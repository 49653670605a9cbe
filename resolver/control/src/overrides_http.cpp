// The dashboard's changes: edited as the overrides file's JSON, checked by the config code
// (config::parse_overrides, errors located in the file), written, applied, audited, undoable.
#include "overrides_http.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "dashboard_http.hpp"
#include "pause_http.hpp"
#include "sprout/blocklists/normalize.hpp"
#include "sprout/config/loader.hpp"
#include "sprout/config/printable.hpp"
#include "sprout/core/audit_log.hpp"
#include "sprout/core/log.hpp"
#include "sprout/time/schedule_clock.hpp"

namespace sprout::control {
namespace {

using Errors = std::vector<std::string>;

admin::ReportResult json_result(unsigned status, const core::Json& j) { return {status, "application/json", core::dump_json(j) + "\n"}; }

std::string get(const admin::QueryParams& p, const char* key) {
  const auto it = p.find(key);
  return it == p.end() ? std::string() : it->second;
}

core::Json profile_json(const config::ProfileOverride& p) {
  core::Json schedules = core::Json::object();
  for (const auto& s : p.schedules) schedules[s.schedule] = {{"active", s.active}, {"until", s.until}};
  core::Json j = core::Json::object();
  if (!p.allow.empty()) j["allow"] = p.allow;
  if (!p.deny.empty()) j["deny"] = p.deny;
  if (!p.categories.empty()) j["categories"] = p.categories;
  if (!schedules.empty()) j["schedules"] = std::move(schedules);
  return j;
}

// A profile's part of the document: null when it has none (the audit's before/after).
core::Json profile_part(const core::Json& doc, const std::string& profile) {
  if (!doc["profiles"].contains(profile)) return nullptr;
  return doc["profiles"][profile];
}

bool write_file_atomically(const std::string& path, const std::string& text, std::string& error) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return error = "cannot create " + tmp + ": " + std::strerror(errno), false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) return error = "cannot write " + path + ": " + std::strerror(errno), false;
  return true;
}

// Checks `doc` with the config code, writes it and applies it. nullopt: done; else the answer.
std::optional<admin::ReportResult> commit(const core::Snapshot& snap, const core::Json& doc, const ApplyOverrides& apply) {
  const std::string path = overrides_path(*snap.config), text = core::dump_json(doc, 2) + "\n";
  config::Overrides parsed;
  const auto errors = config::parse_overrides(text, path, *snap.config, parsed);
  if (!errors.empty()) {
    core::Json list = core::Json::array();
    for (const auto& e : errors) list.push_back(e.to_string());
    return json_result(422, {{"ok", false}, {"errors", list}});
  }
  std::string error;
  if (!write_file_atomically(path, text, error)) return json_result(500, {{"ok", false}, {"errors", {error}}});
  apply(std::move(parsed));
  return std::nullopt;
}

std::uint64_t audit(const core::Snapshot& snap, const std::string& principal, std::string action, const std::string& target,
                    core::Json before, core::Json after, std::uint64_t undoes = 0) {
  core::log::info("audit: ", action, " ", config::printable(target), " by ", config::printable(principal));
  if (!snap.audit) return 0;
  std::string error;
  core::AuditEntry e;
  e.time = snap.clock_now();
  e.principal = principal.empty() ? "token" : principal;
  e.action = std::move(action);
  e.target = target;
  e.before = std::move(before);
  e.after = std::move(after);
  e.undoes = undoes;
  const std::uint64_t id = snap.audit->append(e, error);
  if (id == 0) core::log::error("audit log: ", error);
  return id;
}

void toggle(core::Json& list, const std::string& name, bool present) {
  if (!list.is_array()) list = core::Json::array();
  auto it = std::find(list.begin(), list.end(), name);
  if (present && it == list.end()) list.push_back(name);
  if (!present && it != list.end()) list.erase(it);
}

void change_domain(const admin::QueryParams& params, core::Json& p, Errors& errors) {
  const std::string action = get(params, "action");
  const auto domain = blocklists::normalize_domain(get(params, "domain"));
  if (!domain) errors.push_back("domain: '" + config::printable(get(params, "domain")) + "' is not a domain name");
  if (action != "allow" && action != "block" && action != "remove") errors.push_back("action must be allow, block or remove");
  if (!errors.empty()) return;
  const bool had = (p.contains("allow") && std::count(p["allow"].begin(), p["allow"].end(), *domain)) ||
                   (p.contains("deny") && std::count(p["deny"].begin(), p["deny"].end(), *domain));
  if (action == "remove" && !had) return errors.push_back("no override for '" + *domain + "' in this profile");
  toggle(p["allow"], *domain, action == "allow");
  toggle(p["deny"], *domain, action == "block");
}

void change_category(const config::Config& cfg, const config::Profile& profile, const admin::QueryParams& params,
                     core::Json& p, Errors& errors) {
  const std::string category = get(params, "category"), enabled = get(params, "enabled");
  const bool known = std::any_of(cfg.categories.begin(), cfg.categories.end(), [&](const config::Category& c) { return c.name == category; });
  if (!known) errors.push_back("unknown category '" + config::printable(category) + "'");
  if (enabled != "0" && enabled != "1") errors.push_back("enabled must be 0 or 1");
  if (!errors.empty()) return;
  const bool in_yaml = std::count(profile.block.begin(), profile.block.end(), category) + std::count(profile.services.begin(), profile.services.end(), category) > 0;
  if (!p["categories"].is_object()) p["categories"] = core::Json::object();
  // Back to what the YAML says: no override left to remember.
  if (in_yaml == (enabled == "1")) p["categories"].erase(category);
  else p["categories"][category] = enabled == "1";
}

using Seconds = std::chrono::sys_seconds;

// The first instant from `t` at which schedule `bit` is (`active`) or is not active; nullopt
// when its windows never get there.
std::optional<Seconds> next_state(const time::ScheduleClock& clock, std::uint32_t bit, Seconds t, bool active) {
  for (int i = 0; i < 512; ++i) {  // every start and end of every schedule of the profile is a step
    const time::State s = clock.at(t);
    if (((s.active & bit) != 0) == active) return t;
    if (s.next_change >= time::kNever) return std::nullopt;
    t = s.next_change;
  }
  return std::nullopt;
}

// skip: the current window (or the next one) is off until its end; extend: the active window
// (or its extension) runs `minutes` longer.
std::optional<std::string> change_schedule(const core::Snapshot& snap, std::size_t profile, const admin::QueryParams& params,
                                           core::Json& p) {
  const config::Profile& prof = snap.config->profiles[profile];
  const std::string name = get(params, "schedule"), action = get(params, "action"), minutes = get(params, "minutes");
  const auto at = std::find_if(prof.schedules.begin(), prof.schedules.end(), [&](const config::Schedule& s) { return s.name == name; });
  if (at == prof.schedules.end()) return "unknown schedule '" + config::printable(name) + "' in profile " + prof.name;
  const std::uint32_t bit = 1u << (at - prof.schedules.begin());
  const time::ScheduleClock& clock = *snap.profiles[profile].clock;
  const Seconds now = std::chrono::floor<std::chrono::seconds>(snap.clock_now());
  const core::Json old = p.contains("schedules") && p["schedules"].contains(name) ? p["schedules"][name] : core::Json();
  const bool extended = old.is_object() && old.value("active", false) && old.value("until", std::int64_t{0}) > now.time_since_epoch().count();
  std::optional<Seconds> until;
  if (action == "skip") {
    const auto start = next_state(clock, bit, now, true);
    if (start) until = next_state(clock, bit, *start, false);
    if (!until) return "schedule " + name + " has no window to skip";
  } else if (action == "extend") {
    if (minutes.empty() || minutes.size() > 4 || minutes.find_first_not_of("0123456789") != std::string::npos || std::stoi(minutes) < 1 || std::stoi(minutes) > 1440)
      return "minutes must be 1-1440";
    if (extended) until = Seconds(std::chrono::seconds(old["until"].get<std::int64_t>()));
    else if (clock.at(now).active & bit) until = next_state(clock, bit, now, false);
    if (!until) return "schedule " + name + " is not active: nothing to extend";
    *until += std::chrono::minutes(std::stoi(minutes));
  } else {
    return "action must be skip or extend";
  }
  if (!p["schedules"].is_object()) p["schedules"] = core::Json::object();
  p["schedules"][name] = {{"active", action == "extend"}, {"until", until->time_since_epoch().count()}};
  return std::nullopt;
}

}  // namespace

core::Json overrides_json(const config::Overrides& o) {
  core::Json profiles = core::Json::object();
  for (const auto& p : o.profiles) {
    core::Json j = profile_json(p);
    if (!j.empty()) profiles[p.profile] = std::move(j);
  }
  return {{"profiles", std::move(profiles)}};
}

admin::ReportResult overrides_request(const core::Snapshot& snap) { return json_result(200, overrides_json(snap.config->overrides)); }

admin::ReportResult override_request(const core::Snapshot& snap, const admin::QueryParams& params, const ApplyOverrides& apply) {
  const config::Config& cfg = *snap.config;
  const std::string name = get(params, "profile"), kind = get(params, "kind");
  const auto profile = std::find_if(cfg.profiles.begin(), cfg.profiles.end(), [&](const config::Profile& x) { return x.name == name; });
  Errors errors;
  if (profile == cfg.profiles.end()) errors.push_back("unknown profile '" + config::printable(name) + "'");
  if (kind != "domain" && kind != "category" && kind != "schedule") errors.push_back("kind must be domain, category or schedule");
  core::Json doc = overrides_json(cfg.overrides);
  core::Json before = profile_part(doc, name);
  core::Json p = before.is_object() ? before : core::Json::object();
  if (errors.empty() && kind == "domain") change_domain(params, p, errors);
  if (errors.empty() && kind == "category") change_category(cfg, *profile, params, p, errors);
  if (errors.empty() && kind == "schedule") {
    if (auto why = change_schedule(snap, static_cast<std::size_t>(profile - cfg.profiles.begin()), params, p)) errors.push_back(*why);
  }
  if (!errors.empty()) return json_result(422, {{"ok", false}, {"errors", errors}});
  for (const char* key : {"allow", "deny", "categories", "schedules"}) {
    if (p.contains(key) && p[key].empty()) p.erase(key);
  }
  if (p.empty()) doc["profiles"].erase(name);
  else doc["profiles"][name] = p;
  if (auto failed = commit(snap, doc, apply)) return std::move(*failed);
  const std::uint64_t id = audit(snap, get(params, "principal"), "override", "profile " + name, std::move(before), profile_part(doc, name));
  return json_result(200, {{"ok", true}, {"audit_id", id}});
}

admin::ReportResult undo_request(const core::Snapshot& snap, const admin::QueryParams& params, const ApplyOverrides& apply) {
  const std::string id_text = get(params, "id");
  if (id_text.empty() || id_text.size() > 18 || id_text.find_first_not_of("0123456789") != std::string::npos)
    return json_result(400, {{"error", "id must be an audit entry's id"}});
  const std::uint64_t id = std::stoull(id_text);
  const std::optional<core::Json> entry = snap.audit ? snap.audit->find(id) : std::optional<core::Json>();
  if (!entry) return json_result(404, {{"error", "no audit entry " + id_text}});
  if (!undoable(snap, *entry)) return json_result(409, {{"error", "entry " + id_text + " cannot be undone (already undone, or not a change)"}});
  const std::string action = entry->value("action", ""), target = entry->value("target", "");
  if (action != "override") return undo_pause(snap, *entry, get(params, "principal"));
  if (!target.starts_with("profile ")) return json_result(409, {{"error", "entry " + id_text + " names no profile"}});
  const std::string profile = target.substr(std::string("profile ").size());
  core::Json doc = overrides_json(snap.config->overrides);
  core::Json now = profile_part(doc, profile);
  const core::Json after = entry->value("after", core::Json()), before = entry->value("before", core::Json());
  if (now != after) return json_result(409, {{"error", "profile " + profile + "'s overrides changed since entry " + id_text}});
  if (before.is_null()) doc["profiles"].erase(profile);
  else doc["profiles"][profile] = before;
  if (auto failed = commit(snap, doc, apply)) return std::move(*failed);
  const std::uint64_t undo_id = audit(snap, get(params, "principal"), "undo", target, std::move(now), profile_part(doc, profile), id);
  return json_result(200, {{"ok", true}, {"audit_id", undo_id}});
}

}  // namespace sprout::control
