// Internal: the dashboard's changes over the admin API: GET /api/overrides, POST /api/override,
// POST /api/undo; each change written to state_dir/overrides.json, checked by the config code,
// applied as a new snapshot and recorded in the audit log.
#pragma once

#include <functional>

#include "sprout/admin/admin_server.hpp"
#include "sprout/core/json.hpp"
#include "sprout/core/snapshot.hpp"

namespace sprout::control {

using ApplyOverrides = std::function<void(config::Overrides)>;

// The overrides file's content for `o` ({"profiles":{NAME:{allow, deny, categories, schedules}}}).
core::Json overrides_json(const config::Overrides& o);
admin::ReportResult overrides_request(const core::Snapshot& snap);
// profile=, then kind=domain (domain, action=allow|block|remove), kind=category (category,
// enabled=0|1) or kind=schedule (schedule, action=skip|extend, minutes): 200 {"ok", "audit_id"}
// or 422 {"errors":[...]} with every problem found.
admin::ReportResult override_request(const core::Snapshot& snap, const admin::QueryParams& params, const ApplyOverrides& apply);
// id=N: puts back what audit entry N changed (an override or a pause) when nothing changed it
// since; 409 otherwise (already undone, or changed again).
admin::ReportResult undo_request(const core::Snapshot& snap, const admin::QueryParams& params, const ApplyOverrides& apply);

}  // namespace sprout::control
