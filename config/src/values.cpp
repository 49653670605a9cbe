#include "values.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace sprout::config::detail {
namespace {

struct Unit {
  std::string_view name;
  std::uint64_t factor;
};

constexpr std::array<Unit, 5> kDurationUnits{{
    {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}}};

constexpr std::array<Unit, 7> kSizeUnits{{{"B", 1},
                                          {"KB", 1000},
                                          {"MB", 1000'000},
                                          {"GB", 1000'000'000},
                                          {"KiB", 1ull << 10},
                                          {"MiB", 1ull << 20},
                                          {"GiB", 1ull << 30}}};

// Splits "700ms" into 700 and "ms"; false when there are no leading digits or they overflow.
bool split_number(std::string_view text, std::uint64_t& number, std::string_view& rest) {
  auto digits = std::find_if(text.begin(), text.end(), [](char c) { return c < '0' || c > '9'; }) -
                text.begin();
  if (digits == 0 || digits > 15) return false;
  std::from_chars(text.data(), text.data() + digits, number);
  rest = text.substr(static_cast<std::size_t>(digits));
  return true;
}

template <std::size_t N>
const Unit* find_unit(const std::array<Unit, N>& units, std::string_view name) {
  for (const auto& u : units)
    if (u.name == name) return &u;
  return nullptr;
}

std::string format_with(std::uint64_t value, const Unit* begin, const Unit* end) {
  for (const Unit* u = end; u != begin;) {
    --u;
    if (value != 0 && value % u->factor == 0) return std::to_string(value / u->factor) + std::string(u->name);
  }
  return std::to_string(value) + std::string(begin->name);
}

bool all_letters(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); });
}

bool is_ldh(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

std::string check_label(std::string_view label) {
  if (label.empty()) return "has an empty label";
  if (label.size() > 63) return "has a label longer than 63 characters";
  if (label.front() == '-' || label.back() == '-') return "has a label starting or ending with '-'";
  for (char c : label)
    if (!is_ldh(c)) return std::string("contains '") + c + "' (letters, digits, '-' and '.' only)";
  return {};
}

constexpr std::array<std::string_view, 7> kDayNames{"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr std::array<std::string_view, 7> kLongDayNames{"monday", "tuesday", "wednesday", "thursday",
                                                         "friday", "saturday", "sunday"};

// Index of a single day name (Monday = 0), or -1.
int day_index(std::string_view name) {
  for (std::size_t i = 0; i < kDayNames.size(); ++i)
    if (name == kDayNames[i] || name == kLongDayNames[i]) return static_cast<int>(i);
  return -1;
}

std::string day_hint(std::string_view word) {
  std::vector<std::string> names(kDayNames.begin(), kDayNames.end());
  names.insert(names.end(), kLongDayNames.begin(), kLongDayNames.end());
  for (const char* group : {"weekdays", "weekend", "daily"}) names.emplace_back(group);
  if (auto guess = closest(word, names)) {
    // "wendesday" is closest to "wednesday"; suggest the short form the examples use.
    std::string_view shown = *guess;
    if (int day = day_index(shown); day >= 0) shown = kDayNames[static_cast<std::size_t>(day)];
    return "did you mean '" + std::string(shown) + "'?";
  }
  return "valid: mon, tue, wed, thu, fri, sat, sun, a range like mon-fri, weekdays, weekend, daily";
}

}  // namespace

Parsed<std::uint8_t> parse_days(std::string_view text) {
  if (text == "weekdays") return {std::uint8_t{0x1f}, {}};
  if (text == "weekend") return {std::uint8_t{0x60}, {}};
  if (text == "daily") return {std::uint8_t{0x7f}, {}};
  if (int day = day_index(text); day >= 0) return {static_cast<std::uint8_t>(1u << day), {}};
  auto dash = text.find('-');
  if (dash == std::string_view::npos) return {std::nullopt, "is not a day (" + day_hint(text) + ")"};
  int from = day_index(text.substr(0, dash));
  int to = day_index(text.substr(dash + 1));
  if (from < 0) return {std::nullopt, "is not a day range ('" + std::string(text.substr(0, dash)) + "': " + day_hint(text.substr(0, dash)) + ")"};
  if (to < 0) return {std::nullopt, "is not a day range ('" + std::string(text.substr(dash + 1)) + "': " + day_hint(text.substr(dash + 1)) + ")"};
  // A range runs forward through the week and may wrap: fri-mon is Fri, Sat, Sun, Mon.
  unsigned bits = 0;
  for (int d = from;; d = (d + 1) % 7) {
    bits |= 1u << d;
    if (d == to) break;
  }
  return {static_cast<std::uint8_t>(bits), {}};
}

Parsed<std::uint16_t> parse_clock_time(std::string_view text, bool allow_end_of_day) {
  const std::string hint = allow_end_of_day ? "(expected HH:MM, 00:00-24:00)" : "(expected HH:MM, 00:00-23:59)";
  auto colon = text.find(':');
  auto digits = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || text.size() != colon + 3 ||
      !digits(text.substr(0, colon)) || !digits(text.substr(colon + 1))) {
    return {std::nullopt, "is not a time " + hint};
  }
  int hours = 0;
  int minutes = 0;
  std::from_chars(text.data(), text.data() + colon, hours);
  std::from_chars(text.data() + colon + 1, text.data() + text.size(), minutes);
  bool end_of_day = allow_end_of_day && hours == 24 && minutes == 0;
  if (minutes > 59 || (hours > 23 && !end_of_day)) return {std::nullopt, "is out of range " + hint};
  return {static_cast<std::uint16_t>(hours * 60 + minutes), {}};
}

Parsed<std::chrono::milliseconds> parse_duration(std::string_view text) {
  constexpr std::string_view kHint = "(use an integer and a unit: ms, s, m, h, d)";
  std::uint64_t n = 0;
  std::string_view unit;
  if (!split_number(text, n, unit)) return {std::nullopt, "is not a duration " + std::string(kHint)};
  if (unit.empty()) return {std::nullopt, "is missing a unit " + std::string(kHint)};
  if (!all_letters(unit)) return {std::nullopt, "is not a duration " + std::string(kHint)};
  const Unit* u = find_unit(kDurationUnits, unit);
  if (u == nullptr) return {std::nullopt, "has an unknown unit '" + std::string(unit) + "' " + std::string(kHint)};
  return {std::chrono::milliseconds(static_cast<std::int64_t>(n * u->factor)), {}};
}

Parsed<std::uint64_t> parse_size(std::string_view text) {
  constexpr std::string_view kHint = "(use bytes or an integer and a unit: B, KB, MB, GB, KiB, MiB, GiB)";
  std::uint64_t n = 0;
  std::string_view unit;
  if (!split_number(text, n, unit)) return {std::nullopt, "is not a size " + std::string(kHint)};
  if (unit.empty()) return {n, {}};
  if (!all_letters(unit)) return {std::nullopt, "is not a size " + std::string(kHint)};
  const Unit* u = find_unit(kSizeUnits, unit);
  if (u == nullptr) return {std::nullopt, "has an unknown unit '" + std::string(unit) + "' " + std::string(kHint)};
  return {n * u->factor, {}};
}

Parsed<std::string> normalize_domain(std::string_view text) {
  std::string name(text);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (name.empty()) return {std::nullopt, "is not a domain name (it is empty)"};
  if (name.size() > 253) return {std::nullopt, "is not a domain name (longer than 253 characters)"};
  std::string_view rest = name;
  while (true) {
    auto dot = rest.find('.');
    std::string why = check_label(rest.substr(0, dot));
    if (!why.empty()) return {std::nullopt, "is not a domain name (it " + why + ")"};
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  return {std::move(name), {}};
}

std::string format_duration(std::chrono::milliseconds d) {
  auto ms = static_cast<std::uint64_t>(d.count());
  if (ms == 0) return "0s";
  return format_with(ms, kDurationUnits.data(), kDurationUnits.data() + kDurationUnits.size());
}

std::string format_size(std::uint64_t bytes) {
  // Only the binary units: limits are powers of two.
  std::array<Unit, 4> units{{kSizeUnits[0], kSizeUnits[4], kSizeUnits[5], kSizeUnits[6]}};
  return format_with(bytes, units.data(), units.data() + units.size());
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    // "idle" for "idle_timeout": a prefix is as good a hint as a typo.
    if (word.size() >= 3 && c.starts_with(word)) return c;
  }
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string join(const std::vector<std::string>& words, std::string_view sep) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += sep;
    out += w;
  }
  return out;
}

}  // namespace sprout::config::detail
