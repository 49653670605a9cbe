// The dashboard's read-only JSON API, computed from the running snapshot.
#include "dashboard_http.hpp"

#include "overrides_http.hpp"

#include <algorithm>
#include <cstdio>

#include "sprout/admin/accounts.hpp"
#include "sprout/config/loader.hpp"
#include "sprout/config/printable.hpp"
#include "sprout/core/explain.hpp"
#include "sprout/core/json.hpp"
#include "sprout/time/schedule_clock.hpp"

namespace sprout::control {
namespace {

admin::ReportResult json_result(unsigned status, const core::Json& body) {
  return {status, "application/json", core::dump_json(body) + "\n"};
}

admin::ReportResult error(unsigned status, const std::string& message) { return json_result(status, {{"error", message}}); }

std::string get(const admin::QueryParams& p, const char* key) {
  const auto it = p.find(key);
  return it == p.end() ? std::string() : it->second;
}

std::string network_names(const core::Snapshot& snap) {
  std::string out;
  for (const auto& n : snap.networks.networks()) out += (out.empty() ? "" : ", ") + n.name;
  return out;
}

std::string iso(std::optional<std::chrono::system_clock::time_point> t) {
  return t ? time::format_iso8601_utc(std::chrono::floor<std::chrono::seconds>(*t)) : std::string();
}

// "path:12: why: line" (list_format.cpp's record_error) -> {"line":12,"message":"why: line"}.
core::Json list_error(const std::string& text) {
  for (std::size_t at = text.find(':'); at != std::string::npos; at = text.find(':', at + 1)) {
    const std::size_t end = text.find(": ", at + 1);
    const std::string digits = end == std::string::npos ? "" : text.substr(at + 1, end - at - 1);
    if (!digits.empty() && digits.size() < 10 && digits.find_first_not_of("0123456789") == std::string::npos) {
      return {{"line", std::stoull(digits)}, {"message", text.substr(end + 2)}};
    }
  }
  return {{"line", 0}, {"message", text}};
}

std::string hhmm(int minutes) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

}  // namespace

std::string windows_text(const std::vector<config::Window>& windows) {
  static constexpr const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  std::string out;
  for (const config::Window& w : windows) {
    if (!out.empty()) out += "; ";
    for (int d = 0; d < 7; ++d) {
      if (w.days & (1u << d)) out += std::string(kDays[d]) + " ";
    }
    out += hhmm(w.start) + "-" + hhmm(w.end);
  }
  return out;
}

admin::ReportResult lists_request(const std::vector<blocklists::ListStatus>& lists) {
  core::Json out = core::Json::array();
  for (const blocklists::ListStatus& l : lists) {
    core::Json errors = core::Json::array();
    for (const std::string& e : l.first_errors) errors.push_back(list_error(e));
    if (!l.error.empty()) errors.push_back({{"line", 0}, {"message", l.error}});
    out.push_back({{"name", l.name}, {"category", l.category}, {"source", l.source},
                   {"format", blocklists::format_name(l.format)}, {"state", blocklists::state_name(l.state)},
                   {"entries", l.entries}, {"invalid", l.invalid}, {"last_refresh", iso(l.last_refresh)},
                   {"bundled", l.bundled}, {"errors", std::move(errors)}});
  }
  return json_result(200, out);
}

admin::ReportResult networks_request(const config::Config& cfg) {
  core::Json out = core::Json::array();
  for (const config::Network& n : cfg.networks) {
    core::Json cidrs = core::Json::array();
    for (const config::IpPrefix& p : n.cidrs) cidrs.push_back(p.to_string());
    out.push_back({{"name", n.name}, {"cidrs", std::move(cidrs)}, {"profile", n.profile}, {"labels", n.labels}});
  }
  return json_result(200, out);
}

admin::ReportResult profiles_request(const core::Snapshot& snap) {
  const config::Config& cfg = *snap.config;
  core::Json categories = core::Json::array();
  for (const config::Category& c : cfg.categories) categories.push_back(c.name);
  core::Json out = core::Json::array();
  const auto now = snap.clock_now();
  for (std::size_t i = 0; i < cfg.profiles.size(); ++i) {
    const config::Profile& p = cfg.profiles[i];
    const time::State state = snap.profiles[i].clock->at(now);
    core::Json schedules = core::Json::array();
    for (std::size_t s = 0; s < p.schedules.size(); ++s) {
      schedules.push_back({{"name", p.schedules[s].name}, {"active", (state.active & (1u << s)) != 0},
                           {"windows", windows_text(p.schedules[s].windows)}});
    }
    // What is blocked now, the dashboard's category switches included.
    core::Json blocked = core::Json::array();
    for (std::size_t c = 0; c < cfg.categories.size() && c < blocklists::kMaxCategories; ++c) {
      if (snap.profiles[i].blocked & (blocklists::CategorySet{1} << c)) blocked.push_back(cfg.categories[c].name);
    }
    const core::Json overrides = overrides_json(cfg.overrides)["profiles"];
    out.push_back({{"name", p.name}, {"blocked_categories", std::move(blocked)}, {"services", p.services}, {"categories", categories},
                   {"allow", p.allow}, {"deny", p.deny}, {"schedules", std::move(schedules)},
                   {"overrides", overrides.contains(p.name) ? overrides[p.name] : core::Json::object()},
                   {"next_change", state.next_change >= time::kNever ? std::string("never") : time::format_iso8601_utc(state.next_change)}});
  }
  return json_result(200, out);
}

std::string accounts_path(const config::Config& cfg) { return cfg.state_dir + "/accounts.json"; }
std::string overrides_path(const config::Config& cfg) { return config::overrides_file(cfg); }

std::string admin_bind_problem(const config::Config& cfg) {
  if (!cfg.admin.enabled || !cfg.admin.listen) return {};
  const std::string at = cfg.admin.listen->address.to_string();
  if (at == "127.0.0.1" || at == "::1" || at.starts_with("127.")) return {};
  admin::AccountStore accounts(accounts_path(cfg));
  std::string why;
  if (!accounts.refresh(why)) return "admin.listen " + cfg.admin.listen->to_string() + ": " + why;
  if (!accounts.empty()) return {};
  return "admin.listen " + cfg.admin.listen->to_string() +
         " is not a loopback address and no dashboard account exists: create one first with "
         "`sproutdns passwd --config FILE` (or listen on 127.0.0.1)";
}

admin::ReportResult explain_request(const core::Snapshot& snap, const admin::QueryParams& params) {
  const std::string at_text = get(params, "at"), device_name = get(params, "device"), network_name = get(params, "network");
  auto at = snap.clock_now();
  if (!at_text.empty()) {
    const auto t = time::parse_iso8601(at_text);
    if (!t) return error(400, "at must be ISO 8601, e.g. 2026-12-01T09:00:00+07:00");
    at = *t;
  }
  const core::DevicePolicy* dev = device_name.empty() ? nullptr : snap.devices.by_name(device_name);
  if (!device_name.empty() && dev == nullptr) {
    return error(400, "unknown device '" + config::printable(device_name) + "' (defined: " + snap.devices.names() + ")");
  }
  std::optional<config::IpAddress> address;
  const core::NetworkPolicy* network = nullptr;
  if (!network_name.empty()) {
    const auto& nets = snap.networks.networks();
    const auto it = std::find_if(nets.begin(), nets.end(), [&](const core::NetworkPolicy& n) { return n.name == network_name; });
    if (it == nets.end()) return error(400, "unknown network '" + config::printable(network_name) + "' (defined: " + network_names(snap) + ")");
    network = &*it;
    const auto& cidrs = snap.config->networks[it->index].cidrs;
    if (!cidrs.empty()) address = cidrs.front().address;  // shown as the client; the network is given
  } else {
    address = config::IpAddress::parse(get(params, "client"));
    if (!address) return error(400, "client must be an IP address");
  }
  if (!address) address = config::IpAddress::parse("0.0.0.0");
  core::Explanation e = core::explain(snap, *address, get(params, "name"), get(params, "type"), at, dev, nullptr, network);
  core::Json j = core::Json::parse(core::to_json(e));
  j["at"] = time::format_iso8601_utc(std::chrono::floor<std::chrono::seconds>(at));
  return json_result(200, j);
}

}  // namespace sprout::control
