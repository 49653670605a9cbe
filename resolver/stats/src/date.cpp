// Calendar arithmetic for report days, on std::chrono's civil calendar.
#include <charconv>
#include <chrono>
#include <cstdio>

#include "sprout/stats/status.hpp"

namespace sprout::stats {
namespace {

namespace chr = std::chrono;

chr::year_month_day ymd(const Date& d) noexcept {
  return chr::year{d.year} / chr::month{static_cast<unsigned>(d.month)} / chr::day{static_cast<unsigned>(d.day)};
}

}  // namespace

std::string Date::to_string() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
  return buf;
}

std::int64_t Date::day_number() const noexcept { return chr::sys_days{ymd(*this)}.time_since_epoch().count(); }

Date Date::from_day_number(std::int64_t z) noexcept {
  const chr::year_month_day d{chr::sys_days{chr::days{z}}};
  return Date{static_cast<int>(d.year()), static_cast<int>(static_cast<unsigned>(d.month())),
              static_cast<int>(static_cast<unsigned>(d.day()))};
}

Date Date::plus_days(std::int64_t n) const noexcept { return from_day_number(day_number() + n); }

int Date::weekday() const noexcept {
  return static_cast<int>(chr::weekday{chr::sys_days{ymd(*this)}}.iso_encoding()) - 1;  // Monday = 0
}

std::optional<Date> Date::parse(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  auto number = [&](std::size_t pos, std::size_t len, int& out) {
    auto r = std::from_chars(t.data() + pos, t.data() + pos + len, out);
    return r.ec == std::errc{} && r.ptr == t.data() + pos + len;
  };
  Date d;
  if (!number(0, 4, d.year) || !number(5, 2, d.month) || !number(8, 2, d.day)) return std::nullopt;
  if (d.year < 1970 || d.month < 1 || d.month > 12 || d.day < 1 || !ymd(d).ok()) return std::nullopt;
  return d;
}

Date Date::from_unix(std::int64_t unix_seconds, int utc_offset_minutes) noexcept {
  const chr::sys_seconds local{chr::seconds{unix_seconds + std::int64_t{utc_offset_minutes} * 60}};
  return from_day_number(chr::floor<chr::days>(local).time_since_epoch().count());
}

std::int64_t day_start_unix(const Date& d, int utc_offset_minutes) noexcept {
  return chr::sys_seconds{chr::sys_days{ymd(d)}}.time_since_epoch().count() - std::int64_t{utc_offset_minutes} * 60;
}

}  // namespace sprout::stats
