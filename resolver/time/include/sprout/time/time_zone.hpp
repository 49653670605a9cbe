// An IANA time zone (loaded by cctz from the OS zone database): UTC offsets, local weekday/minute, local -> UTC.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sprout::time {

struct LocalTime {
  int weekday = 0;        // Monday = 0 ... Sunday = 6
  int minute_of_day = 0;  // 0..1439
  int second = 0;         // 0..59 within the minute
  std::chrono::seconds utc_offset{0};
};

// Immutable after load; copies share the loaded rules. Every query is allocation-free and
// safe from any thread (schedules ask for the offset on the query path).
class TimeZone {
 public:
  static constexpr std::string_view kDefaultDir = "/usr/share/zoneinfo";

  TimeZone();  // UTC
  static TimeZone utc() { return TimeZone(); }

  // Where zone files are read from when load() is given no directory: $TZDIR (the glibc
  // convention, also honoured by config validation) or kDefaultDir.
  static std::string default_dir();

  // Loads `name` (e.g. "Asia/Ho_Chi_Minh") from `dir` (empty: default_dir()). "UTC" needs no
  // file. Names that could leave `dir` (a leading '/', "..") are refused. On failure `error`
  // says why; a zone that does not load is never silently replaced by UTC.
  static std::optional<TimeZone> load(std::string_view name, std::string& error, std::string_view dir = {});

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] std::chrono::seconds utc_offset(std::chrono::system_clock::time_point t) const noexcept;
  [[nodiscard]] std::chrono::seconds utc_offset(std::chrono::sys_seconds t) const noexcept;
  [[nodiscard]] LocalTime local(std::chrono::system_clock::time_point t) const noexcept;
  // The UTC instant a local wall-clock time names. Repeated times (clocks going back) give
  // the first one; skipped times (clocks going forward) give the instant of the jump.
  [[nodiscard]] std::chrono::sys_seconds to_utc(std::chrono::local_seconds local) const noexcept;
  // The first instant strictly after `t` at which the UTC offset changes; nullopt if never.
  [[nodiscard]] std::optional<std::chrono::sys_seconds> next_transition(std::chrono::sys_seconds t) const noexcept;

  struct Rules;  // the cctz zone plus its offset changes precomputed for the query path

 private:
  std::string name_;
  std::shared_ptr<const Rules> rules_;  // null = UTC
};

}  // namespace sprout::time
