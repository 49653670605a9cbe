// TimeZone on cctz: cctz reads the TZif file (64-bit data and the POSIX rule after its last
// transition); we keep the offset changes of 1970-2100 in a sorted table so the query path
// pays one binary search, and ask cctz directly outside that range.
#include "sprout/time/time_zone.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctz/time_zone.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

namespace sprout::time {

namespace chr = std::chrono;

struct TimeZone::Rules {
  cctz::time_zone zone;
  std::vector<std::int64_t> transitions;  // Unix seconds in [kTableFrom, until), only real offset changes
  std::vector<std::int32_t> offsets;      // offsets[i] applies from transitions[i]
  std::int32_t initial = 0;               // at kTableFrom, before transitions[0]
  std::int64_t until = 0;                 // the table holds every change in [kTableFrom, until)
  std::optional<std::int64_t> next_after; // the first change at or after `until`, if any
};

namespace {

// The table covers the years a resolver's clock can plausibly show; cctz answers the rest.
constexpr std::int64_t kTableFrom = 0;                                                  // 1970-01-01
constexpr std::int64_t kTableUntil = chr::sys_days{chr::year{2100} / 1 / 1}.time_since_epoch().count() * 86400;
constexpr std::size_t kMaxTableEntries = 4096;  // real zones have a few hundred in that range

cctz::time_point<cctz::seconds> tp(std::int64_t t) { return cctz::time_point<cctz::seconds>{cctz::seconds{t}}; }
std::int64_t unix_of(cctz::time_point<cctz::seconds> t) { return t.time_since_epoch().count(); }

std::int32_t cctz_offset(const cctz::time_zone& z, std::int64_t t) noexcept { return z.lookup(tp(t)).offset; }

// The first instant after `t` at which the offset really changes (cctz also reports changes
// of only the abbreviation or the DST flag: stepped over).
std::optional<std::int64_t> cctz_next(const cctz::time_zone& z, std::int64_t t) noexcept {
  for (int guard = 0; guard < 16; ++guard) {
    cctz::time_zone::civil_transition tr;
    if (!z.next_transition(tp(t), &tr)) return std::nullopt;
    const std::int64_t at = unix_of(z.lookup(tr.to).trans);
    if (at <= t) return std::nullopt;  // cannot happen; never loop on it
    if (cctz_offset(z, at) != cctz_offset(z, at - 1)) return at;
    t = at;
  }
  return std::nullopt;
}

std::int32_t offset_at(const TimeZone::Rules& r, std::int64_t t) noexcept {
  if (t < kTableFrom || t >= r.until) return cctz_offset(r.zone, t);
  const auto it = std::upper_bound(r.transitions.begin(), r.transitions.end(), t);
  if (it == r.transitions.begin()) return r.initial;
  return r.offsets[static_cast<std::size_t>(it - r.transitions.begin() - 1)];
}

void build_table(TimeZone::Rules& r) {
  r.initial = cctz_offset(r.zone, kTableFrom);
  r.until = kTableUntil;
  auto at = cctz_next(r.zone, kTableFrom);
  for (; at && *at < kTableUntil; at = cctz_next(r.zone, *at)) {
    if (r.transitions.size() == kMaxTableEntries) {
      r.until = *at;  // the rest is cctz's
      break;
    }
    r.transitions.push_back(*at);
    r.offsets.push_back(cctz_offset(r.zone, *at));
  }
  r.next_after = at;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '_' ||
           c == '-' || c == '+';
  });
}

// cctz says only yes or no; this says why not when the file is missing or is not TZif.
bool check_file(const std::string& path, std::string& why) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    why = "cannot open " + path + " (" + std::strerror(errno) + ")";
    return false;
  }
  char magic[4] = {};
  const bool tzif = ::read(fd, magic, sizeof magic) == sizeof magic && std::memcmp(magic, "TZif", 4) == 0;
  ::close(fd);
  if (!tzif) why = path + " is not a TZif file";
  return tzif;
}

}  // namespace

TimeZone::TimeZone() : name_("UTC") {}

std::string TimeZone::default_dir() {
  const char* env = std::getenv("TZDIR");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string(kDefaultDir);
}

std::optional<TimeZone> TimeZone::load(std::string_view name, std::string& error, std::string_view dir) {
  if (name == "UTC") return TimeZone::utc();  // works without tzdata installed
  const std::string what = "time zone '" + std::string(name) + "': ";
  // The name becomes a path: never let it climb out of the zone directory.
  if (!valid_name(name)) {
    error = what + "not an IANA time zone name (e.g. Asia/Ho_Chi_Minh, UTC)";
    return std::nullopt;
  }
  // cctz is given an absolute path, so it reads exactly this directory (and never re-reads
  // $TZDIR itself, or takes "Fixed/UTC+07" style names), and its cache is keyed by directory.
  // That cache lives as long as the process: a tzdata upgrade reaches schedules on restart.
  std::error_code ec;
  const std::filesystem::path base = std::filesystem::absolute(dir.empty() ? default_dir() : std::string(dir), ec);
  const std::string path = (ec ? std::filesystem::path(dir) : base).string() + "/" + std::string(name);
  std::string why;
  if (!check_file(path, why)) {
    error = what + why;
    return std::nullopt;
  }
  auto rules = std::make_shared<Rules>();
  if (!cctz::load_time_zone(path, &rules->zone)) {
    error = what + path + " is not a valid TZif file";
    return std::nullopt;
  }
  build_table(*rules);
  TimeZone z;
  z.name_ = std::string(name);
  z.rules_ = std::move(rules);
  return z;
}

std::chrono::seconds TimeZone::utc_offset(std::chrono::sys_seconds t) const noexcept {
  return rules_ ? chr::seconds(offset_at(*rules_, t.time_since_epoch().count())) : chr::seconds(0);
}

std::chrono::seconds TimeZone::utc_offset(std::chrono::system_clock::time_point t) const noexcept {
  return utc_offset(chr::floor<chr::seconds>(t));
}

LocalTime TimeZone::local(std::chrono::system_clock::time_point t) const noexcept {
  const chr::sys_seconds utc = chr::floor<chr::seconds>(t);
  const chr::seconds off = utc_offset(utc);
  const chr::local_seconds local{(utc + off).time_since_epoch()};
  const chr::local_days day = chr::floor<chr::days>(local);
  const chr::hh_mm_ss<chr::seconds> tod{local - day};
  LocalTime out;
  out.weekday = static_cast<int>(chr::weekday{day}.iso_encoding()) - 1;  // Monday = 0
  out.minute_of_day = static_cast<int>(tod.hours().count() * 60 + tod.minutes().count());
  out.second = static_cast<int>(tod.seconds().count());
  out.utc_offset = off;
  return out;
}

std::chrono::sys_seconds TimeZone::to_utc(std::chrono::local_seconds local) const noexcept {
  if (!rules_) return chr::sys_seconds{local.time_since_epoch()};
  const auto lookup = rules_->zone.lookup(cctz::civil_second() + local.time_since_epoch().count());
  // Skipped: the instant of the jump. Repeated: the first (pre-transition) one.
  const auto t = lookup.kind == cctz::time_zone::civil_lookup::SKIPPED ? lookup.trans : lookup.pre;
  return chr::sys_seconds{chr::seconds{unix_of(t)}};
}

std::optional<std::chrono::sys_seconds> TimeZone::next_transition(std::chrono::sys_seconds t) const noexcept {
  if (!rules_) return std::nullopt;
  const std::int64_t s = t.time_since_epoch().count();
  if (s >= kTableFrom && s < rules_->until) {
    const auto it = std::upper_bound(rules_->transitions.begin(), rules_->transitions.end(), s);
    if (it != rules_->transitions.end()) return chr::sys_seconds{chr::seconds{*it}};
    if (!rules_->next_after) return std::nullopt;
    return chr::sys_seconds{chr::seconds{*rules_->next_after}};
  }
  const auto next = cctz_next(rules_->zone, s);
  if (!next) return std::nullopt;
  return chr::sys_seconds{chr::seconds{*next}};
}

}  // namespace sprout::time
