// The central PostgreSQL stats store: every instance of a fleet writes its per-minute
// aggregates here and reports read across instances. Not thread-safe: one owner each.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sprout/stats/pg_connection.hpp"
#include "sprout/stats/report_source.hpp"

namespace sprout::stats {

// Versioned migrations: index i+1 is schema version i+1. Append only, never edit one.
[[nodiscard]] const std::vector<std::string_view>& central_migrations();

class CentralStore final : public ReportSource {
 public:
  // options.pg_conninfo is the connection; options.retention_days/offset as for SQLite.
  explicit CentralStore(StatsOptions options);

  // Connects and brings the schema to the newest version (writers only: readers check it).
  Status open_writer(const std::string& report_role);
  Status open_reader();
  [[nodiscard]] bool is_open() const noexcept { return pg_.is_open(); }
  [[nodiscard]] int schema_version() const noexcept { return version_; }

  // Writes one batch exactly once: `batch_key` (unique per instance) is recorded in the
  // same transaction, so a retry after a lost COMMIT reply finds it and adds nothing.
  // Returns success with *already = true when the batch had been written before.
  Status write_batch(const std::string& instance, const std::string& batch_key, const MinuteBatch& batch,
                     bool* already = nullptr);
  Status record_instance(const std::string& instance, const std::map<std::string, std::string>& labels,
                         const std::vector<NetworkInfo>& units, std::int64_t now);
  Status record_lists(const std::string& instance, std::int64_t at, const std::vector<ListStatusRow>& lists);
  Status enforce_retention(std::int64_t now);

  [[nodiscard]] const StatsOptions& options() const noexcept override { return options_; }
  Status read_counts(std::int64_t from, std::int64_t to, std::vector<StoredCount>& out) override;
  // One instance's own minutes, networks named as in its config (its dashboard's overview).
  Status read_instance_counts(const std::string& instance, std::int64_t from, std::int64_t to,
                              std::vector<StoredCount>& out);
  Status read_blocked_domains(const Date& from, const Date& to, std::vector<BlockedDomainRow>& out) override;
  // Units are named instance/unit and carry the instance's labels, its own, and instance=NAME.
  Status read_networks(std::vector<NetworkInfo>& out) override;
  Status read_lists(std::int64_t from, std::int64_t to, std::vector<ListStatusRow>& out) override;
  Status read_coverage(std::int64_t from, std::int64_t to, std::vector<CoverageRow>& out) override;
  [[nodiscard]] bool multi_instance() const noexcept override { return true; }

 private:
  Status migrate();
  Status grant_reader(const std::string& role);
  Status read_version();
  StatsOptions options_;
  PgConnection pg_;
  int version_ = 0;
};

}  // namespace sprout::stats
