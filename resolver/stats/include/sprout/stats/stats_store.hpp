// The SQLite stats store: per-minute aggregates, daily blocked domains, networks and lists.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sprout/stats/minute_aggregator.hpp"
#include "sprout/stats/sqlite_handle.hpp"
#include "sprout/stats/status.hpp"

namespace sprout::config { struct Config; }

namespace sprout::stats {

inline constexpr int kSchemaVersion = 1;

struct NetworkInfo {
  std::string name;
  std::map<std::string, std::string> labels;  // province/district/school, for report scopes
};
// The report units (core::report_units): networks, then device label groups.
[[nodiscard]] std::vector<NetworkInfo> networks_from_config(const config::Config& cfg);

enum class ListState { ok, stale, failed, never_loaded };
[[nodiscard]] std::string_view list_state_name(ListState s) noexcept;

struct ListStatusRow {
  std::string name;
  std::string category;
  std::uint64_t entries = 0;
  std::int64_t last_refresh = 0;  // unix seconds, 0 = never
  ListState state = ListState::ok;
};

// Rows read back for reports.
struct StoredCount {
  std::int64_t minute = 0;
  std::string network, category, action;
  std::uint64_t count = 0;
};

class StatsStore {
 public:
  explicit StatsStore(StatsOptions options);

  // Opens or creates the database (WAL, busy_timeout, schema). Errors are returned, and
  // every later call retries the open, so a database that comes back is used again.
  Status open();
  // Read-only use by the report command: never creates the file.
  Status open_read_only();
  [[nodiscard]] bool is_open() const noexcept { return db_.is_open(); }

  // Writes the batch (and any batches a failed flush kept) in one transaction, adding
  // to existing counts. On failure the batches stay queued (bounded) for the next flush.
  Status flush(const MinuteBatch& batch);
  [[nodiscard]] std::size_t pending_batches() const noexcept { return pending_.size(); }

  Status record_networks(const std::vector<NetworkInfo>& networks);
  Status record_lists(const std::vector<ListStatusRow>& lists);
  // Deletes minutes and days older than retention_days before `now`.
  Status enforce_retention(std::int64_t now);

  // Reads for reports ([from, to) unix seconds for minutes, inclusive dates for days).
  Status read_counts(std::int64_t from, std::int64_t to, std::vector<StoredCount>& out);
  Status read_blocked_domains(const Date& from, const Date& to, std::vector<BlockedDomainRow>& out);
  Status read_networks(std::vector<NetworkInfo>& out);
  Status read_lists(std::vector<ListStatusRow>& out);

  [[nodiscard]] const StatsOptions& options() const noexcept { return options_; }

 private:
  static constexpr std::size_t kMaxPending = 120;  // two hours of minutes while broken
  Status open_impl(bool read_only);
  Status ensure_schema();
  Status prepare_writers();
  Status write_pending();
  Status write_batch(const MinuteBatch& batch);
  Status ensure_open();
  Status fail(std::string_view what);

  StatsOptions options_;
  Database db_;
  Statement add_count_;
  Statement add_domain_;
  std::deque<MinuteBatch> pending_;
  std::uint64_t dropped_batches_ = 0;
  bool read_only_ = false;
};

}  // namespace sprout::stats
