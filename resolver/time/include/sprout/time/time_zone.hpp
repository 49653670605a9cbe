// An IANA time zone read from its TZif file: UTC offsets, local weekday/minute, local -> UTC.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sprout/time/posix_tz.hpp"

namespace sprout::time {

struct LocalTime {
  int weekday = 0;        // Monday = 0 ... Sunday = 6
  int minute_of_day = 0;  // 0..1439
  int second = 0;         // 0..59 within the minute
  std::chrono::seconds utc_offset{0};
};

// Immutable after load; every query is allocation-free and safe from any thread.
// Leap-second ("right/") zones are read as if their leap records were absent.
class TimeZone {
 public:
  static constexpr std::string_view kDefaultDir = "/usr/share/zoneinfo";

  TimeZone() : name_("UTC") {}  // UTC
  static TimeZone utc() { return TimeZone(); }

  // Loads `name` (e.g. "Asia/Ho_Chi_Minh") from `dir`. "UTC" needs no file. Names that could
  // leave `dir` (a leading '/', "..") are refused. On failure `error` says why.
  static std::optional<TimeZone> load(std::string_view name, std::string& error,
                                      std::string_view dir = kDefaultDir);
  // Parses TZif bytes (versions 1-4; the 64-bit section when present, then the footer rule).
  static std::optional<TimeZone> from_tzif(std::string name, std::string_view bytes, std::string& error);

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] std::chrono::seconds utc_offset(std::chrono::system_clock::time_point t) const noexcept;
  [[nodiscard]] std::chrono::seconds utc_offset(std::chrono::sys_seconds t) const noexcept;
  [[nodiscard]] LocalTime local(std::chrono::system_clock::time_point t) const noexcept;
  // The UTC instant a local wall-clock time names. Repeated times (clocks going back) give
  // the first one; skipped times (clocks going forward) give the instant of the jump.
  [[nodiscard]] std::chrono::sys_seconds to_utc(std::chrono::local_seconds local) const noexcept;
  // The first instant strictly after `t` at which the UTC offset changes; nullopt if never.
  [[nodiscard]] std::optional<std::chrono::sys_seconds> next_transition(std::chrono::sys_seconds t) const noexcept;

 private:
  [[nodiscard]] std::int32_t offset_at(std::int64_t t) const noexcept;

  std::string name_;
  std::vector<std::int64_t> transitions_;  // Unix seconds, ascending; only real offset changes
  std::vector<std::int32_t> offsets_;      // offsets_[i] applies from transitions_[i]
  std::int32_t initial_offset_ = 0;        // before the first transition
  std::optional<PosixTz> footer_;          // from the file's last transition on
  std::int64_t last_data_ = INT64_MIN;     // the file's last transition, offset change or not
};

}  // namespace sprout::time
