// Timed pauses over the admin API: checked against the running config, stored, audited.
#include "pause_http.hpp"

#include <ctime>
#include <limits>
#include <optional>

#include "sprout/blocklists/normalize.hpp"
#include "sprout/config/printable.hpp"
#include "sprout/core/audit_log.hpp"
#include "sprout/core/json.hpp"
#include "sprout/core/log.hpp"
#include "sprout/time/clock.hpp"

namespace sprout::control {
namespace {

constexpr std::chrono::hours kMaxPause{24 * 7};

admin::ReportResult bad(std::string message) {
  return {400, "application/json", core::dump_json({{"error", message}}) + "\n"};
}

std::string get(const admin::QueryParams& p, const char* key) {
  const auto it = p.find(key);
  return it == p.end() ? std::string() : it->second;
}

bool target_exists(const config::Config& cfg, core::PauseScope scope, const std::string& name) {
  const auto named = [&](const auto& v) { return std::any_of(v.begin(), v.end(), [&](const auto& x) { return x.name == name; }); };
  switch (scope) {
    case core::PauseScope::device: return named(cfg.devices);
    case core::PauseScope::network: return named(cfg.networks);
    case core::PauseScope::profile: return named(cfg.profiles);
  }
  return false;
}

// What is paused: all filtering, one service (a category the config has), or one domain.
std::optional<std::string> read_item(const core::Snapshot& snap, const admin::QueryParams& params, core::Pause& p) {
  const std::string service = get(params, "service"), domain = get(params, "domain");
  if (!service.empty() && !domain.empty()) return "give service or domain, not both";
  if (!service.empty()) {
    const auto& cats = snap.config->categories;
    if (std::none_of(cats.begin(), cats.end(), [&](const config::Category& c) { return c.name == service; }))
      return "unknown service '" + config::printable(service) + "' (not blocked by any profile here)";
    p.what = core::PauseWhat::service;
    p.item = service;
  } else if (!domain.empty()) {
    const auto d = blocklists::normalize_domain(domain);
    if (!d) return "'" + config::printable(domain) + "' is not a domain name";
    p.what = core::PauseWhat::domain;
    p.item = *d;
  }
  return std::nullopt;
}

std::optional<std::string> read_until(const admin::QueryParams& params, std::chrono::system_clock::time_point now,
                                      core::Pause& p) {
  const std::string for_text = get(params, "for"), until_text = get(params, "until");
  std::chrono::system_clock::time_point until;
  if (!for_text.empty() && for_text.size() < 9 && for_text.find_first_not_of("0123456789") == std::string::npos) {
    until = now + std::chrono::seconds(std::stoll(for_text));
  } else if (const auto t = time::parse_iso8601(until_text); t && for_text.empty()) {
    until = *t;
  } else {
    return "give for=SECONDS or until=2026-12-01T18:00:00+07:00";
  }
  if (until <= now || until - now > kMaxPause) return "a pause ends in the future, within 7 days";
  p.until = std::chrono::floor<std::chrono::seconds>(until);  // never later than asked
  return std::nullopt;
}

core::Json pause_json(const core::Pause& p) {
  return {{"scope", core::scope_name(p.scope)}, {"target", p.target}, {"what", core::what_name(p.what)},
          {"item", p.item}, {"until", time::format_iso8601_utc(p.until)}};
}

// The target's running pauses: the before and after of an audit entry.
core::Json target_pauses(const core::Snapshot& snap, const core::Pause& of, std::chrono::system_clock::time_point now) {
  core::Json list = core::Json::array();
  for (const core::Pause& p : snap.pauses->active(now)) {
    if (p.scope == of.scope && p.target == of.target) list.push_back(pause_json(p));
  }
  return list;
}

// One audit entry per change, under the principal the router named: the signed-in user,
// "token", or "cli" (sproutdns through the token). Its id, or 0.
std::uint64_t audit(const core::Snapshot& snap, const std::string& principal, std::string action, const core::Pause& p,
                    core::Json before, std::chrono::system_clock::time_point now, const std::string& detail,
                    std::uint64_t undoes = 0) {
  const std::string target = std::string(core::scope_name(p.scope)) + " " + p.target;
  core::log::info("audit: ", action, " ", config::printable(target), " ", config::printable(detail));
  if (!snap.audit) return 0;
  core::AuditEntry e;
  e.time = now;
  e.principal = principal.empty() ? "token" : principal;
  e.action = std::move(action);
  e.target = target;
  e.before = std::move(before);
  e.after = target_pauses(snap, p, now);
  e.undoes = undoes;
  std::string error;
  const std::uint64_t id = snap.audit->append(e, error);
  if (id == 0) core::log::error("audit log: ", error);
  return id;
}

std::optional<core::PauseScope> scope_of(std::string_view name) {
  for (const auto s : {core::PauseScope::device, core::PauseScope::network, core::PauseScope::profile}) {
    if (core::scope_name(s) == name) return s;
  }
  return std::nullopt;
}

// A pause as pause_json wrote it, back; nullopt when it is not one.
std::optional<core::Pause> pause_from_json(const core::Json& j) {
  const auto scope = scope_of(j.value("scope", ""));
  const auto until = time::parse_iso8601(j.value("until", ""));
  if (!scope || !until) return std::nullopt;
  core::Pause p{*scope, j.value("target", ""), core::PauseWhat::filtering, j.value("item", ""),
                std::chrono::floor<std::chrono::seconds>(*until)};
  for (const auto w : {core::PauseWhat::filtering, core::PauseWhat::service, core::PauseWhat::domain}) {
    if (core::what_name(w) == j.value("what", "")) p.what = w;
  }
  return p;
}

}  // namespace

admin::ReportResult pause_request(const core::Snapshot& snap, const admin::QueryParams& params) {
  if (!snap.pauses) return {503, "application/json", core::dump_json({{"error", "pauses are not available"}}) + "\n"};
  const auto now = snap.clock_now();
  core::Pause p;
  const std::string scope = get(params, "scope");
  p.target = get(params, "target");
  if (scope == "device") p.scope = core::PauseScope::device;
  else if (scope == "network") p.scope = core::PauseScope::network;
  else if (scope == "profile") p.scope = core::PauseScope::profile;
  else return bad("scope must be device, network or profile");
  if (!target_exists(*snap.config, p.scope, p.target)) return bad("unknown " + scope + " '" + config::printable(p.target) + "'");
  std::string error;
  core::Json before = target_pauses(snap, p, now);
  if (get(params, "cancel") == "1") {
    const std::size_t n = snap.pauses->remove(p.scope, p.target, now, error);
    if (!error.empty()) core::log::error("pauses: ", error);
    audit(snap, get(params, "principal"), "pause-cancel", p, std::move(before), now, "(" + std::to_string(n) + " ended)");
    return {200, "application/json", core::dump_json({{"ok", true}, {"cancelled", n}}) + "\n"};
  }
  if (auto why = read_item(snap, params, p)) return bad(*why);
  if (auto why = read_until(params, now, p)) return bad(*why);
  if (!snap.pauses->add(p, now, error)) return {500, "application/json", core::dump_json({{"error", error}}) + "\n"};
  const std::uint64_t id = audit(snap, get(params, "principal"), "pause", p, std::move(before), now,
        std::string(core::what_name(p.what)) + (p.item.empty() ? "" : " " + p.item) + " until " + time::format_iso8601_utc(p.until));
  core::Json answer = {{"ok", true}, {"audit_id", id}};
  answer.update(pause_json(p));
  return {200, "application/json", core::dump_json(answer) + "\n"};
}

std::string pauses_json(const core::Snapshot& snap) {
  core::Json list = core::Json::array();
  if (snap.pauses) {
    for (const core::Pause& p : snap.pauses->active(snap.clock_now())) {
      list.push_back(pause_json(p));
    }
  }
  return core::dump_json({{"pauses", list}}, 2) + "\n";
}

admin::ReportResult audit_request(const core::Snapshot& snap, const admin::QueryParams& params) {
  if (!snap.audit) return {503, "application/json", core::dump_json({{"error", "the audit log is not available"}}) + "\n"};
  const std::string last = get(params, "last");
  std::size_t n = 100;
  if (!last.empty()) {
    if (last.size() > 4 || last.find_first_not_of("0123456789") != std::string::npos || std::stoul(last) < 1 || std::stoul(last) > 1000)
      return bad("last must be 1-1000");
    n = std::stoul(last);
  }
  core::Json entries = core::Json::array();
  const std::vector<core::Json> all = snap.audit->recent(std::numeric_limits<std::size_t>::max());
  for (std::size_t i = all.size() > n ? all.size() - n : 0; i < all.size(); ++i) {
    core::Json e = all[i];
    e["undoable"] = undoable(all, e);
    entries.push_back(std::move(e));
  }
  return {200, "application/json", core::dump_json({{"entries", entries}}, 2) + "\n"};
}

}  // namespace sprout::control

namespace sprout::control {

bool undoable(const std::vector<core::Json>& log, const core::Json& entry) {
  const std::string action = entry.value("action", "");
  if (action != "override" && action != "pause" && action != "pause-cancel") return false;
  if (!entry.contains("id") || entry["id"] == 0) return false;
  return std::none_of(log.begin(), log.end(), [&](const core::Json& e) { return e.contains("undoes") && e["undoes"] == entry["id"]; });
}

bool undoable(const core::Snapshot& snap, const core::Json& entry) {
  return snap.audit && undoable(snap.audit->recent(std::numeric_limits<std::size_t>::max()), entry);
}

admin::ReportResult undo_pause(const core::Snapshot& snap, const core::Json& entry, const std::string& principal) {
  const std::string target = entry.value("target", "");
  const auto space = target.find(' ');
  const auto scope = scope_of(target.substr(0, space));
  if (!scope || space == std::string::npos || !snap.pauses) return {409, "application/json", core::dump_json({{"error", "not a pause entry"}}) + "\n"};
  const auto now = snap.clock_now();
  core::Pause of;
  of.scope = *scope;
  of.target = target.substr(space + 1);
  core::Json current = target_pauses(snap, of, now);
  if (current != entry.value("after", core::Json())) {
    return {409, "application/json", core::dump_json({{"error", "the pauses of " + target + " changed since (or ended)"}}) + "\n"};
  }
  std::string error;
  snap.pauses->remove(of.scope, of.target, now, error);
  const core::Json before = entry.value("before", core::Json::array());
  for (const core::Json& j : before.is_array() ? before : core::Json::array()) {
    const auto p = j.is_object() ? pause_from_json(j) : std::nullopt;
    if (p && p->until > now) snap.pauses->add(*p, now, error);
  }
  if (!error.empty()) core::log::error("pauses: ", error);
  const std::uint64_t undone = entry.value("id", std::uint64_t{0});
  const std::uint64_t id = audit(snap, principal, "undo", of, std::move(current), now, "(entry " + std::to_string(undone) + ")", undone);
  return {200, "application/json", core::dump_json({{"ok", true}, {"audit_id", id}}) + "\n"};
}

}  // namespace sprout::control
