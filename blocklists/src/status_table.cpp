// format_status_table: the `sproutdns lists` view of every list's status.
#include "sprout/blocklists/list_loader.hpp"

#include <algorithm>
#include <ctime>
#include <string>

#include "sprout/blocklists/bundled_lists.hpp"
#include "sprout/config/printable.hpp"

namespace sprout::blocklists {
namespace {

std::string utc_time(const std::optional<std::chrono::system_clock::time_point>& t) {
  if (!t) return "-";
  const std::time_t secs = std::chrono::system_clock::to_time_t(*t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%MZ", &tm);
  return buf;
}

void pad(std::string& out, const std::string& cell, std::size_t width, bool right = false) {
  if (right) out.append(width > cell.size() ? width - cell.size() : 0, ' ');
  out += cell;
  if (!right) out.append(width > cell.size() ? width - cell.size() : 0, ' ');
  out += "  ";
}

}  // namespace

std::optional<long> bundled_age_days(const ListStatus& s, std::chrono::system_clock::time_point now) {
  if (s.state != ListState::bundled || !s.last_refresh) return std::nullopt;
  return static_cast<long>(std::chrono::floor<std::chrono::days>(now - *s.last_refresh).count());
}

std::string bundled_note(const ListStatus& s, std::chrono::system_clock::time_point now) {
  const auto days = bundled_age_days(s, now);
  if (!days) return {};
  std::string note = "bundled snapshot of " + s.bundled + ", " + std::to_string(*days) + " days old";
  if (*days > kBundledMaxAge.count()) {
    note += " (older than " + std::to_string(kBundledMaxAge.count()) +
            " days: allow downloads of " + config::printable(s.source) + " or install a newer Sprout)";
  }
  return note;
}

// Every cell below may come from a list or its download: escaped for the terminal, so an
// escape sequence cannot redraw the screen and a NUL cannot hide the rows after it.
std::string format_status_table(const std::vector<ListStatus>& raw) {
  const auto now = std::chrono::system_clock::now();
  std::vector<ListStatus> lists = raw;
  for (auto& s : lists) {
    for (std::string* t : {&s.name, &s.category, &s.source, &s.error}) *t = config::printable(*t);
    for (auto& e : s.first_errors) e = config::printable(e);
  }
  std::size_t name_w = 4, cat_w = 8;
  for (const auto& s : lists) {
    name_w = std::max(name_w, s.name.size());
    cat_w = std::max(cat_w, s.category.size() + (s.allow ? 8 : 0));
  }
  std::string out;
  pad(out, "NAME", name_w);
  pad(out, "CATEGORY", cat_w);
  pad(out, "STATE", 18);
  pad(out, "ENTRIES", 9, true);
  pad(out, "INVALID", 7, true);
  pad(out, "UNSUPP", 6, true);
  pad(out, "IP", 6, true);
  pad(out, "FORMAT", 7);
  pad(out, "REFRESHED", 17);
  out += "SOURCE\n";
  for (const auto& s : lists) {
    pad(out, s.name, name_w);
    pad(out, s.category + (s.allow ? " (allow)" : ""), cat_w);
    // bundled: the snapshot's date, so an old seed is visible at a glance
    pad(out, std::string(state_name(s.state)) + (s.bundled.empty() ? "" : " " + s.bundled), 18);
    pad(out, std::to_string(s.entries), 9, true);
    pad(out, std::to_string(s.invalid), 7, true);
    pad(out, std::to_string(s.unsupported), 6, true);
    pad(out, std::to_string(s.ip_entries), 6, true);
    pad(out, std::string(format_name(s.format)), 7);
    pad(out, utc_time(s.last_refresh), 17);
    out += s.source + "\n";
    if (s.expires) out += std::string("    zone ") + (*s.expires < now ? "expired at " : "expires at ") + utc_time(s.expires) + "\n";
    if (!s.error.empty()) out += "    error: " + s.error + "\n";
    for (const auto& e : s.first_errors) out += "    " + e + "\n";
  }
  return out;
}

}  // namespace sprout::blocklists
