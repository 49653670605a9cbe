// The SQLite stats store: per-minute aggregates, daily blocked domains, networks and lists.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sprout/stats/minute_aggregator.hpp"
#include "sprout/stats/report_source.hpp"
#include "sprout/stats/sqlite_handle.hpp"
#include "sprout/stats/status.hpp"

namespace sprout::config { struct Config; }

namespace sprout::stats {

inline constexpr int kSchemaVersion = 1;

// The store's options from the config: paths, retention, threshold and, for
// stats.backend postgresql, the conninfo (read from conninfo_file). Errors are returned.
Status options_from_config(const config::Config& cfg, int utc_offset_minutes, StatsOptions& out);
// The report units (core::report_units): networks, then device label groups.
[[nodiscard]] std::vector<NetworkInfo> networks_from_config(const config::Config& cfg);

class StatsStore final : public ReportSource {
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
  Status read_counts(std::int64_t from, std::int64_t to, std::vector<StoredCount>& out) override;
  Status read_blocked_domains(const Date& from, const Date& to, std::vector<BlockedDomainRow>& out) override;
  Status read_networks(std::vector<NetworkInfo>& out) override;
  // This store keeps the lists' last recorded state (written at start, refresh, reload, stop).
  Status read_lists(std::int64_t from, std::int64_t to, std::vector<ListStatusRow>& out) override;
  Status read_lists(std::vector<ListStatusRow>& out) { return read_lists(0, 0, out); }

  [[nodiscard]] const StatsOptions& options() const noexcept override { return options_; }

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
