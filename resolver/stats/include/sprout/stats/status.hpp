// Status, options and calendar helpers shared by the stats store, reports and query log.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sprout::stats {

// The result of a stats operation. Stats never throw into the caller and never abort:
// DNS service goes on when the database is broken, the failure is reported here.
struct Status {
  bool ok = true;
  std::string error;  // what failed, with the SQLite message when there is one

  static Status success() { return {}; }
  static Status failure(std::string text) { return {false, std::move(text)}; }
  explicit operator bool() const noexcept { return ok; }
};

struct StatsOptions {
  std::string db_path;
  int retention_days = 90;
  int report_threshold = 5;   // counts below this are shown as "<N"
  int utc_offset_minutes = 0; // where days start (fixed offset; Asia/Ho_Chi_Minh = 420)
  std::string pg_conninfo{};  // non-empty: reports read the central PostgreSQL store instead
};

// A calendar date (proleptic Gregorian), used for days in reports and tables.
struct Date {
  int year = 1970;
  int month = 1;
  int day = 1;

  auto operator<=>(const Date&) const = default;
  [[nodiscard]] std::string to_string() const;              // "2026-11-27"
  [[nodiscard]] std::int64_t day_number() const noexcept;   // days since 1970-01-01
  [[nodiscard]] Date plus_days(std::int64_t n) const noexcept;
  [[nodiscard]] int weekday() const noexcept;               // 0 = Monday ... 6 = Sunday
  static Date from_day_number(std::int64_t days) noexcept;
  static std::optional<Date> parse(std::string_view text);  // strict YYYY-MM-DD
  // The local date of a unix time, with days starting at utc_offset_minutes.
  static Date from_unix(std::int64_t unix_seconds, int utc_offset_minutes) noexcept;
};

// First unix second of a local date.
[[nodiscard]] std::int64_t day_start_unix(const Date& d, int utc_offset_minutes) noexcept;

}  // namespace sprout::stats
