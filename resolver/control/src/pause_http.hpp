// Internal: the admin API's timed pauses (POST /api/pause, GET /api/pauses).
#pragma once

#include "sprout/admin/admin_server.hpp"
#include "sprout/core/json.hpp"
#include "sprout/core/snapshot.hpp"

namespace sprout::control {

// scope=device|network|profile, target=NAME, for=SECONDS or until=ISO 8601, and optionally
// service=NAME or domain=NAME (default: all filtering); cancel=1 ends the target's pauses.
// Each change is one "audit:" log line and one entry in the audit log (state_dir/audit.jsonl).
admin::ReportResult pause_request(const core::Snapshot& snap, const admin::QueryParams& params);
std::string pauses_json(const core::Snapshot& snap);
// GET /api/audit?last=N (1-1000, default 100): the newest audit entries, oldest first.
// Each entry carries "id" and "undoable".
admin::ReportResult audit_request(const core::Snapshot& snap, const admin::QueryParams& params);
// An entry may be undone when it changed an override or a pause and no "undo" entry names it.
bool undoable(const std::vector<core::Json>& log, const core::Json& entry);
bool undoable(const core::Snapshot& snap, const core::Json& entry);
// Puts the target's pauses back as they were before `entry` (409 when they changed since).
admin::ReportResult undo_pause(const core::Snapshot& snap, const core::Json& entry, const std::string& principal);

}  // namespace sprout::control
