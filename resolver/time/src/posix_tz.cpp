#include "sprout/time/posix_tz.hpp"

#include <algorithm>
#include <array>
#include <chrono>

namespace sprout::time {
namespace {

namespace chr = std::chrono;
constexpr std::int64_t kDay = 86400;

// A small cursor over the TZ string; every read fails softly.
struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  [[nodiscard]] bool done() const { return i >= s.size(); }
  [[nodiscard]] char peek() const { return done() ? '\0' : s[i]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i;
    return true;
  }
  std::optional<int> number(int max_digits) {
    int v = 0, n = 0;
    while (n < max_digits && peek() >= '0' && peek() <= '9') v = v * 10 + (s[i++] - '0'), ++n;
    return n == 0 ? std::nullopt : std::optional<int>(v);
  }
};

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// "EST" (3+ letters) or "<+07>" (quoted: letters, digits, '+', '-').
bool zone_name(Cursor& c) {
  if (c.eat('<')) {
    std::size_t start = c.i;
    while (!c.done() && c.peek() != '>') {
      char ch = c.peek();
      if (!is_alpha(ch) && !(ch >= '0' && ch <= '9') && ch != '+' && ch != '-') return false;
      ++c.i;
    }
    std::size_t len = c.i - start;
    return c.eat('>') && len >= 3;
  }
  std::size_t start = c.i;
  while (is_alpha(c.peek())) ++c.i;
  return c.i - start >= 3;
}

// [+-]hh[:mm[:ss]] as seconds; hours up to `max_hours`.
std::optional<std::int32_t> hms(Cursor& c, int max_hours) {
  int sign = 1;
  if (c.eat('-')) sign = -1;
  else c.eat('+');
  auto h = c.number(3);
  if (!h || *h > max_hours) return std::nullopt;
  int m = 0, s = 0;
  if (c.eat(':')) {
    auto mm = c.number(2);
    if (!mm || *mm > 59) return std::nullopt;
    m = *mm;
    if (c.eat(':')) {
      auto ss = c.number(2);
      if (!ss || *ss > 59) return std::nullopt;
      s = *ss;
    }
  }
  return sign * (*h * 3600 + m * 60 + s);
}

std::optional<PosixTz::Rule> rule(Cursor& c) {
  PosixTz::Rule r;
  if (c.eat('M')) {
    auto m = c.number(2);
    if (!m || *m < 1 || *m > 12 || !c.eat('.')) return std::nullopt;
    auto w = c.number(1);
    if (!w || *w < 1 || *w > 5 || !c.eat('.')) return std::nullopt;
    auto d = c.number(1);
    if (!d || *d > 6) return std::nullopt;
    r.kind = PosixTz::DateKind::month_week_day;
    r.month = *m, r.week = *w, r.weekday = *d;
  } else if (c.eat('J')) {
    auto n = c.number(3);
    if (!n || *n < 1 || *n > 365) return std::nullopt;
    r.kind = PosixTz::DateKind::julian_no_leap, r.day = *n;
  } else {
    auto n = c.number(3);
    if (!n || *n > 365) return std::nullopt;
    r.kind = PosixTz::DateKind::julian_zero, r.day = *n;
  }
  if (c.eat('/')) {
    auto t = hms(c, 167);
    if (!t) return std::nullopt;
    r.time = *t;
  }
  return r;
}

// Days since 1970-01-01 of the rule's date in year `y`.
std::int64_t rule_day(const PosixTz::Rule& r, int y) {
  const chr::year year{y};
  const std::int64_t jan1 = chr::sys_days{year / chr::January / 1}.time_since_epoch().count();
  switch (r.kind) {
    case PosixTz::DateKind::julian_no_leap:
      return jan1 + r.day - 1 + (year.is_leap() && r.day >= 60 ? 1 : 0);
    case PosixTz::DateKind::julian_zero:
      return jan1 + r.day;
    case PosixTz::DateKind::month_week_day:
      break;
  }
  const chr::month month{static_cast<unsigned>(r.month)};
  const chr::weekday wd{static_cast<unsigned>(r.weekday)};
  if (r.week == 5) return chr::sys_days{year / month / wd[chr::last]}.time_since_epoch().count();
  return chr::sys_days{year / month / wd[static_cast<unsigned>(r.week)]}.time_since_epoch().count();
}

int year_of(std::int64_t t) {
  auto days = chr::sys_days{chr::days{t >= 0 ? t / kDay : (t - kDay + 1) / kDay}};
  return static_cast<int>(chr::year_month_day{days}.year());
}

struct Change {
  std::int64_t at;
  std::int32_t offset;  // in effect from `at`
};

// The six changes of the years around `t`, in time order.
std::array<Change, 6> changes_around(const PosixTz& z, std::int64_t t) {
  std::array<Change, 6> out{};
  const int y = year_of(t + z.std_offset);
  for (int k = 0; k < 3; ++k) {
    out[2 * k] = {rule_day(z.start, y - 1 + k) * kDay + z.start.time - z.std_offset, z.dst_offset};
    out[2 * k + 1] = {rule_day(z.end, y - 1 + k) * kDay + z.end.time - z.dst_offset, z.std_offset};
  }
  std::sort(out.begin(), out.end(), [](const Change& a, const Change& b) { return a.at < b.at; });
  return out;
}

}  // namespace

std::optional<PosixTz> PosixTz::parse(std::string_view text) noexcept {
  Cursor c{text};
  PosixTz z;
  if (!zone_name(c)) return std::nullopt;
  auto std_off = hms(c, 24);
  if (!std_off) return std::nullopt;
  z.std_offset = -*std_off;  // POSIX counts hours west of Greenwich
  if (c.done()) return z;
  if (!zone_name(c)) return std::nullopt;
  z.has_dst = true;
  z.dst_offset = z.std_offset + 3600;
  if (c.peek() != ',' && !c.done()) {
    auto dst_off = hms(c, 24);
    if (!dst_off) return std::nullopt;
    z.dst_offset = -*dst_off;
  }
  if (c.done()) {  // no rule given: the POSIX default is the US rule
    z.start = Rule{DateKind::month_week_day, 0, 3, 2, 0, 7200};
    z.end = Rule{DateKind::month_week_day, 0, 11, 1, 0, 7200};
    return z;
  }
  if (!c.eat(',')) return std::nullopt;
  auto start = rule(c);
  if (!start || !c.eat(',')) return std::nullopt;
  auto end = rule(c);
  if (!end || !c.done()) return std::nullopt;
  z.start = *start;
  z.end = *end;
  return z;
}

std::int32_t PosixTz::offset_at(std::int64_t utc) const noexcept {
  if (!has_dst) return std_offset;
  std::int32_t offset = std_offset;
  for (const Change& ch : changes_around(*this, utc)) {
    if (ch.at > utc) break;
    offset = ch.offset;
  }
  return offset;
}

std::optional<std::int64_t> PosixTz::next_transition(std::int64_t utc) const noexcept {
  if (!has_dst) return std::nullopt;
  for (const Change& ch : changes_around(*this, utc))
    if (ch.at > utc) return ch.at;
  return std::nullopt;
}

}  // namespace sprout::time
