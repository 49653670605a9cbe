// Pure parsers for config scalar values (durations, sizes, domains) and "did you mean" helpers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sprout::config::detail {

// A parsed value, or why the text is not one (the reason is phrased to follow "'text' ").
template <class T>
struct Parsed {
  std::optional<T> value;
  std::string why;
};

Parsed<std::chrono::milliseconds> parse_duration(std::string_view text);
Parsed<std::uint64_t> parse_size(std::string_view text);
// Lowercases, strips one trailing dot, checks LDH labels (1-63 chars) and total length <= 253.
Parsed<std::string> normalize_domain(std::string_view text);

// One item of a window's `days`: "mon", "monday", a range "mon-fri" (may wrap: "fri-mon"),
// "weekdays", "weekend" or "daily". Bit 0 = Monday ... bit 6 = Sunday.
Parsed<std::uint8_t> parse_days(std::string_view text);
// "HH:MM" (or "H:MM") as minutes after midnight; 24:00 only when `allow_end_of_day`.
Parsed<std::uint16_t> parse_clock_time(std::string_view text, bool allow_end_of_day);

std::string format_duration(std::chrono::milliseconds d);  // largest exact unit: "700ms", "30s"
std::string format_size(std::uint64_t bytes);              // largest exact binary unit: "4GiB"

std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word` if it is close enough to be a plausible typo.
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);
std::string join(const std::vector<std::string>& words, std::string_view sep = ", ");

}  // namespace sprout::config::detail
