// The POSIX TZ rule at the end of a TZif file ("<+07>-7", "EST5EDT,M3.2.0,M11.1.0"): offsets after the last transition.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sprout::time {

// A parsed POSIX TZ string. Offsets are stored east of UTC (the POSIX text counts west).
struct PosixTz {
  enum class DateKind : std::uint8_t {
    julian_no_leap,  // Jn: 1..365, February 29 is never counted
    julian_zero,     // n: 0..365, February 29 counted in leap years
    month_week_day,  // Mm.w.d: day d (0 = Sunday) of week w (5 = last) of month m
  };
  struct Rule {
    DateKind kind = DateKind::month_week_day;
    int day = 0;              // Jn / n
    int month = 0, week = 0, weekday = 0;  // Mm.w.d
    std::int32_t time = 7200;  // seconds after local midnight (v3 allows -167h..167h)
  };

  std::int32_t std_offset = 0;
  bool has_dst = false;
  std::int32_t dst_offset = 0;
  Rule start;  // when daylight time starts, in standard local time
  Rule end;    // when it ends, in daylight local time

  // Parses a whole TZ string; nullopt on anything malformed. An empty string is not a rule.
  static std::optional<PosixTz> parse(std::string_view text) noexcept;

  // UTC offset in seconds at `utc` (Unix seconds).
  [[nodiscard]] std::int32_t offset_at(std::int64_t utc) const noexcept;
  // The first instant strictly after `utc` at which the offset may change; nullopt without DST.
  [[nodiscard]] std::optional<std::int64_t> next_transition(std::int64_t utc) const noexcept;
};

}  // namespace sprout::time
