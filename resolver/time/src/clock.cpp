#include "sprout/time/clock.hpp"

#include <cstdlib>
#include <ctime>

namespace sprout::time {
namespace {

namespace chr = std::chrono;

// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
  if (s.size() - pos < n || pos > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += n;
  out = v;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

// "Z", "+07:00", "-0500" as seconds east of UTC.
std::optional<int> zone_offset(std::string_view s, std::size_t pos) {
  if (pos + 1 == s.size() && (s[pos] == 'Z' || s[pos] == 'z')) return 0;
  if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) return std::nullopt;
  const int sign = s[pos++] == '-' ? -1 : 1;
  int h = 0, m = 0;
  if (!digits(s, pos, 2, h)) return std::nullopt;
  expect(s, pos, ':');
  if (!digits(s, pos, 2, m) || pos != s.size() || h > 23 || m > 59) return std::nullopt;
  return sign * (h * 3600 + m * 60);
}

}  // namespace

std::optional<chr::system_clock::time_point> parse_iso8601(std::string_view s) noexcept {
  std::size_t pos = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!digits(s, pos, 4, y) || !expect(s, pos, '-') || !digits(s, pos, 2, mo) || !expect(s, pos, '-') ||
      !digits(s, pos, 2, d))
    return std::nullopt;
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) return std::nullopt;
  ++pos;
  if (!digits(s, pos, 2, h) || !expect(s, pos, ':') || !digits(s, pos, 2, mi) || !expect(s, pos, ':') ||
      !digits(s, pos, 2, sec))
    return std::nullopt;
  chr::nanoseconds fraction{0};
  if (expect(s, pos, '.')) {
    long long scale = 100'000'000, ns = 0;
    std::size_t start = pos;
    for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, scale /= 10) ns += (s[pos] - '0') * scale;
    if (pos == start || pos - start > 9) return std::nullopt;
    fraction = chr::nanoseconds{ns};
  }
  auto offset = zone_offset(s, pos);
  const chr::year_month_day date{chr::year{y}, chr::month{static_cast<unsigned>(mo)}, chr::day{static_cast<unsigned>(d)}};
  if (!offset || !date.ok() || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  const auto utc = chr::sys_days{date} + chr::hours{h} + chr::minutes{mi} + chr::seconds{sec} - chr::seconds{*offset};
  return chr::time_point_cast<chr::system_clock::duration>(utc) +
         chr::duration_cast<chr::system_clock::duration>(fraction);
}

Clock Clock::from_environment(std::string* error) {
  const char* value = std::getenv(kFakeTimeVariable);
  if (value == nullptr || *value == '\0') return Clock();
  auto start = parse_iso8601(value);
  if (!start) {
    if (error != nullptr)
      *error = std::string(kFakeTimeVariable) + "='" + value +
               "' is not an ISO 8601 time (e.g. 2026-12-01T07:59:58Z or 2026-12-01T07:59:58+07:00); using the system clock";
    return Clock();
  }
  return starting_at(*start);
}

Clock Clock::starting_at(chr::system_clock::time_point start) {
  Clock c;
  c.fake_ = true;
  c.start_ = start;
  c.steady_start_ = chr::steady_clock::now();
  return c;
}

chr::system_clock::time_point Clock::now() const noexcept {
  if (!fake_) return chr::system_clock::now();
  return start_ + chr::duration_cast<chr::system_clock::duration>(chr::steady_clock::now() - steady_start_);
}

std::string format_iso8601_utc(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace sprout::time
