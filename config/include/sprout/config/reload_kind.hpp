// Which config keys SIGHUP applies and which need a restart, and what changed between two configs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sprout/config/config.hpp"

namespace sprout::config {

enum class ReloadKind {
  snapshot,  // rebuilt into the next snapshot on SIGHUP
  restart,   // read once at start (sockets bound, files set up before privileges drop)
};

struct KeyChange {
  std::string path;  // YAML path: "workers", "cache.max_entries", "query_log.opt_out"
  ReloadKind kind = ReloadKind::snapshot;
  bool operator==(const KeyChange&) const = default;
};

// One entry per differing top-level key, and per differing sub-key of the mapping sections
// (tcp, logging, cache, admin, blockpage, stats, reports, query_log); in config order.
// `source` (the file name) is not a key and is never reported.
std::vector<KeyChange> changed_keys(const Config& running, const Config& next);

// The paths among `changes` that only take effect after a restart, in the same order.
std::vector<std::string> restart_keys(const std::vector<KeyChange>& changes);

// The kind of a key. Deeper paths ("profiles.kids.block", "upstreams[0].port") take their
// key's kind; a section ("admin") is restart if any of its sub-keys is. Unknown: restart.
ReloadKind reload_kind(std::string_view path);

}  // namespace sprout::config
