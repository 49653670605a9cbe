#include "sprout/time/time_zone.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

namespace sprout::time {
namespace {

namespace chr = std::chrono;
constexpr std::int64_t kDay = 86400;
constexpr std::size_t kMaxFileBytes = 1u << 20;  // real TZif files are a few KiB
constexpr std::size_t kHeaderBytes = 44;

// Bounds-checked big-endian reads over the file.
struct Bytes {
  std::string_view data;
  std::size_t pos = 0;
  bool ok = true;
  std::uint64_t be(std::size_t width) {
    if (!ok || data.size() - pos < width || pos > data.size()) {
      ok = false;
      return 0;
    }
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < width; ++i) v = (v << 8) | static_cast<unsigned char>(data[pos + i]);
    pos += width;
    return v;
  }
  void skip(std::uint64_t n) {
    if (!ok || n > data.size() - pos) ok = false;
    else pos += static_cast<std::size_t>(n);
  }
};

struct Header {
  char version = 0;
  std::uint64_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;
};

std::optional<Header> read_header(Bytes& b) {
  if (b.data.size() - b.pos < kHeaderBytes || b.data.substr(b.pos, 4) != "TZif") return std::nullopt;
  Header h;
  h.version = b.data[b.pos + 4];
  b.skip(20);
  h.isutcnt = b.be(4), h.isstdcnt = b.be(4), h.leapcnt = b.be(4);
  h.timecnt = b.be(4), h.typecnt = b.be(4), h.charcnt = b.be(4);
  if (!b.ok || h.typecnt == 0 || h.typecnt > 256 || h.timecnt > 100000 || h.leapcnt > 10000) return std::nullopt;
  if ((h.isutcnt != 0 && h.isutcnt != h.typecnt) || (h.isstdcnt != 0 && h.isstdcnt != h.typecnt)) return std::nullopt;
  return h;
}

std::size_t block_size(const Header& h, std::size_t time_width) {
  return h.timecnt * time_width + h.timecnt + h.typecnt * 6 + h.charcnt + h.leapcnt * (time_width + 4) +
         h.isstdcnt + h.isutcnt;
}

struct Raw {
  std::vector<std::int64_t> times;
  std::vector<std::uint8_t> type_of;
  std::vector<std::int32_t> type_offset;
};

// One data block: transition times of `time_width` bytes (4 in v1, 8 in v2+).
bool read_block(Bytes& b, const Header& h, std::size_t time_width, Raw& out) {
  for (std::uint64_t i = 0; i < h.timecnt; ++i) {
    std::uint64_t v = b.be(time_width);
    out.times.push_back(time_width == 4 ? static_cast<std::int32_t>(v) : static_cast<std::int64_t>(v));
  }
  for (std::uint64_t i = 0; i < h.timecnt; ++i) out.type_of.push_back(static_cast<std::uint8_t>(b.be(1)));
  for (std::uint64_t i = 0; i < h.typecnt; ++i) {
    out.type_offset.push_back(static_cast<std::int32_t>(b.be(4)));
    b.skip(2);  // isdst, abbreviation index: not needed to compute times
  }
  b.skip(h.charcnt + h.leapcnt * (time_width + 4) + h.isstdcnt + h.isutcnt);
  if (!b.ok) return false;
  for (auto t : out.type_of)
    if (t >= h.typecnt) return false;
  for (auto off : out.type_offset)
    if (off < -26 * 3600 || off > 26 * 3600) return false;
  return std::is_sorted(out.times.begin(), out.times.end());
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '_' ||
           c == '-' || c == '+';
  });
}

bool read_file(const std::string& path, std::string& out, std::string& error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open " + path;
    return false;
  }
  char buf[8192];
  ssize_t n = 0;
  while ((n = ::read(fd, buf, sizeof buf)) > 0 && out.size() <= kMaxFileBytes) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  if (n < 0 || out.size() > kMaxFileBytes) {
    error = n < 0 ? "cannot read " + path : path + " is too large for a TZif file";
    return false;
  }
  return true;
}

// The footer of a v2+ file: "\n<TZ string>\n" (the string may be empty); nullopt if malformed.
std::optional<std::string_view> footer_text(std::string_view bytes, std::size_t pos) {
  if (pos >= bytes.size()) return std::string_view();  // tolerated: no footer at all
  if (bytes[pos] != '\n') return std::nullopt;
  auto end = bytes.find('\n', pos + 1);
  if (end == std::string_view::npos) return std::nullopt;
  return bytes.substr(pos + 1, end - pos - 1);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : (a - b + 1) / b; }

}  // namespace

std::optional<TimeZone> TimeZone::load(std::string_view name, std::string& error, std::string_view dir) {
  if (name == "UTC") return TimeZone::utc();  // works without tzdata installed
  // The name becomes a path: never let it climb out of the zone directory.
  if (!valid_name(name)) {
    error = "'" + std::string(name) + "' is not an IANA time zone name";
    return std::nullopt;
  }
  std::string bytes;
  if (!read_file(std::string(dir) + "/" + std::string(name), bytes, error)) return std::nullopt;
  return from_tzif(std::string(name), bytes, error);
}

std::optional<TimeZone> TimeZone::from_tzif(std::string name, std::string_view bytes, std::string& error) {
  Bytes b{bytes};
  auto h = read_header(b);
  if (!h) {
    error = name + ": not a TZif file (bad header)";
    return std::nullopt;
  }
  std::size_t width = 4;
  if (h->version >= '2') {  // skip the 32-bit block; the 64-bit one follows with its own header
    b.skip(block_size(*h, 4));
    h = b.ok ? read_header(b) : std::nullopt;
    width = 8;
  }
  Raw raw;
  if (!h || !read_block(b, *h, width, raw)) {
    error = name + ": malformed TZif data";
    return std::nullopt;
  }
  TimeZone z;
  z.name_ = std::move(name);
  if (width == 8) {
    auto text = footer_text(bytes, b.pos);
    if (text && !text->empty()) z.footer_ = PosixTz::parse(*text);
    if (!text || (!text->empty() && !z.footer_)) {
      error = z.name_ + ": unsupported or malformed TZ footer '" + std::string(text.value_or("")) + "'";
      return std::nullopt;
    }
  }
  // RFC 8536: times before the first transition use time type 0.
  z.initial_offset_ = raw.type_offset[0];
  std::int32_t current = z.initial_offset_;
  for (std::size_t i = 0; i < raw.times.size(); ++i) {
    std::int32_t off = raw.type_offset[raw.type_of[i]];
    if (off == current) continue;  // only a name or isdst change: nothing to recompute
    z.transitions_.push_back(raw.times[i]);
    z.offsets_.push_back(off);
    current = off;
  }
  if (raw.times.empty() && z.footer_ && !z.footer_->has_dst) z.initial_offset_ = z.footer_->std_offset;
  z.last_data_ = raw.times.empty() ? INT64_MIN : raw.times.back();
  return z;
}

std::int32_t TimeZone::offset_at(std::int64_t t) const noexcept {
  if (footer_ && t >= last_data_) return footer_->offset_at(t);
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), t);
  if (it == transitions_.begin()) return initial_offset_;
  return offsets_[static_cast<std::size_t>(it - transitions_.begin() - 1)];
}

std::chrono::seconds TimeZone::utc_offset(std::chrono::sys_seconds t) const noexcept {
  return std::chrono::seconds(offset_at(t.time_since_epoch().count()));
}

std::chrono::seconds TimeZone::utc_offset(std::chrono::system_clock::time_point t) const noexcept {
  return utc_offset(chr::floor<chr::seconds>(t));
}

LocalTime TimeZone::local(std::chrono::system_clock::time_point t) const noexcept {
  const std::int64_t utc = chr::floor<chr::seconds>(t).time_since_epoch().count();
  const std::int32_t off = offset_at(utc);
  const std::int64_t local = utc + off;
  const std::int64_t days = floor_div(local, kDay);
  const std::int64_t sod = local - days * kDay;
  LocalTime out;
  out.weekday = static_cast<int>(((days + 3) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
  out.minute_of_day = static_cast<int>(sod / 60);
  out.second = static_cast<int>(sod % 60);
  out.utc_offset = chr::seconds(off);
  return out;
}

std::chrono::sys_seconds TimeZone::to_utc(std::chrono::local_seconds local) const noexcept {
  const std::int64_t l = local.time_since_epoch().count();
  // Offsets a day either side bracket any single change near `l`.
  const std::int32_t before = offset_at(l - kDay);
  const std::int32_t after = offset_at(l + kDay);
  const std::int64_t a = l - before;
  const std::int64_t b = l - after;
  const bool a_ok = offset_at(a) == before;
  const bool b_ok = offset_at(b) == after;
  std::int64_t t = 0;
  if (a_ok && b_ok) t = std::min(a, b);
  else if (a_ok) t = a;
  else if (b_ok) t = b;
  else t = next_transition(chr::sys_seconds{chr::seconds{std::min(a, b)}}).value_or(chr::sys_seconds{chr::seconds{a}}).time_since_epoch().count();
  return chr::sys_seconds{chr::seconds{t}};
}

std::optional<std::chrono::sys_seconds> TimeZone::next_transition(std::chrono::sys_seconds t) const noexcept {
  const std::int64_t s = t.time_since_epoch().count();
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), s);
  if (it != transitions_.end())
    return chr::sys_seconds{chr::seconds{*it}};
  if (!footer_) return std::nullopt;
  auto next = footer_->next_transition(std::max(s, last_data_));
  // The footer may repeat the offset already in force; step past such non-changes.
  for (int guard = 0; next && guard < 4 && footer_->offset_at(*next) == offset_at(*next - 1); ++guard)
    next = footer_->next_transition(*next);
  if (!next) return std::nullopt;
  return chr::sys_seconds{chr::seconds{*next}};
}

}  // namespace sprout::time
