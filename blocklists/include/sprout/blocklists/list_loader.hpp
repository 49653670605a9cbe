// Loading every configured list (local file or http(s) URL with a last-good copy in
// state_dir) with a per-list status for `sproutdns lists`; load_lists merges them into one
// DomainIndex (the server keeps a ListCatalog instead: list_catalog.hpp).
#pragma once

#include "sprout/blocklists/domain_index.hpp"
#include "sprout/blocklists/list_format.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sprout::config {
struct Config;
struct List;
}  // namespace sprout::config

namespace sprout::blocklists {

enum class ListState {
  ok,      // current content loaded
  stale,   // refresh failed; serving the last-good copy
  bundled,  // serving the bundled snapshot (no download has succeeded yet)
  failed,  // nothing usable: the list contributes no entries
};

[[nodiscard]] std::string_view state_name(ListState s) noexcept;

struct ListStatus {
  std::string name;
  std::string category;
  std::string source;
  bool allow = false;
  Format format = Format::auto_detect;  // the format used (after detection)
  std::size_t entries = 0;
  std::size_t invalid = 0;
  std::size_t unsupported = 0;
  std::size_t ip_entries = 0;
  std::size_t ignored = 0;
  std::vector<std::string> first_errors;
  std::optional<std::chrono::system_clock::time_point> last_refresh;  // content fetched/read at
  std::string bundled;  // state bundled: the snapshot's date (YYYY-MM-DD), also in last_refresh
  ListState state = ListState::failed;
  std::string error;  // why stale / failed
  bool reused = false;  // content unchanged: the previous catalog's piece serves, nothing re-read
  // A transferred zone: when it expires (last successful check + expire) unless refreshed.
  std::optional<std::chrono::system_clock::time_point> expires;
};

class ListPiece;

struct LoadOptions {
  // false (fast start): URL lists are served from their last-good copy, without touching
  // the network (none yet: failed, "not downloaded yet"). true: conditional GET for every URL list.
  bool fetch = true;
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds transfer_timeout{120};
  std::uint64_t seed = 0;  // hash seed of the index; 0 = the previous catalog's, else random
  // Pieces built outside an update (a transferred list patched by IXFR), reused like the
  // previous catalogs' when their identity and seed match.
  std::vector<std::shared_ptr<const ListPiece>> offered{};
};

struct LoadedLists {
  DomainIndex index;
  std::vector<ListStatus> lists;  // same order as config.lists (ListId = position)
};

// Never throws for a bad list: each list's trouble is in its status. Reads every list (it
// is ListCatalog::update without a previous catalog, flattened into one index).
LoadedLists load_lists(const config::Config& cfg, const LoadOptions& options = {});

// Where the last-good copy of a URL list lives (state_dir/lists/<name>.list); for a local
// file, the file itself. Useful for find_line().
[[nodiscard]] std::string list_content_path(const config::Config& cfg, const config::List& list);
// The 1-based line of `domain`'s rule in the list's content as served: the file, the last-good
// copy, or the text compiled in (builtin:NAME); nullopt when not found.
[[nodiscard]] std::optional<std::size_t> find_list_line(const config::Config& cfg, const config::List& list,
                                                        std::string_view domain);

// For a list serving the bundled snapshot (state bundled): "bundled snapshot of 2026-08-22,
// 102 days old", plus a warning past kBundledMaxAge; empty for any other state. One wording
// for the log, /health and /api/stats.
[[nodiscard]] std::string bundled_note(const ListStatus& s, std::chrono::system_clock::time_point now);
[[nodiscard]] std::optional<long> bundled_age_days(const ListStatus& s, std::chrono::system_clock::time_point now);

// Fixed-width table of the statuses (one row per list, errors indented below it).
[[nodiscard]] std::string format_status_table(const std::vector<ListStatus>& lists);

}  // namespace sprout::blocklists
