// Internal: the dashboard's read-only JSON (explain by client or network at a time, lists,
// networks, profiles, overview) and the accounts file's place and start-up rule.
#pragma once

#include <string>

#include "sprout/admin/admin_server.hpp"
#include "sprout/blocklists/list_loader.hpp"
#include "sprout/core/snapshot.hpp"

namespace sprout::control {

// state_dir/accounts.json: the dashboard's accounts (sproutdns passwd, first-run setup).
std::string accounts_path(const config::Config& cfg);
// state_dir/overrides.json: the dashboard's changes, layered on the YAML.
std::string overrides_path(const config::Config& cfg);
// Why serving must not start (empty: it may): an admin API on a non-loopback address with no
// account, where anyone on that network could take the first-run setup or guess nothing at all.
std::string admin_bind_problem(const config::Config& cfg);

// GET /api/lists: every configured list with its state, entries and first errors by line.
admin::ReportResult lists_request(const std::vector<blocklists::ListStatus>& lists);
// GET /api/networks: name, CIDRs, profile and labels of each configured network.
admin::ReportResult networks_request(const config::Config& cfg);
// GET /api/profiles: categories blocked (and all known), allow/deny, schedules now.
admin::ReportResult profiles_request(const core::Snapshot& snap);
// "mon tue wed thu fri 07:00-11:30; sat sun 08:00-10:00": a schedule's windows for people.
std::string windows_text(const std::vector<config::Window>& windows);

// GET /api/explain: client=ADDR or network=NAME, name, type, device, at (ISO 8601, default now).
admin::ReportResult explain_request(const core::Snapshot& snap, const admin::QueryParams& params);

}  // namespace sprout::control
