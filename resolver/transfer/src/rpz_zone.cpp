// The last-good copy of a transferred zone: zone text plus a small meta file.
#include "sprout/transfer/rpz_zone.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace sprout::transfer {
namespace fs = std::filesystem;
namespace {

bool write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return false;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  return !ec;
}

template <class T>
bool number(std::string_view s, T& out) {
  return !s.empty() && std::from_chars(s.data(), s.data() + s.size(), out).ec == std::errc{};
}

// "zone.\tIN\tSOA\tmname rname serial refresh retry expire minimum" -> timers.
std::optional<Soa> soa_of(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> t;
  for (std::string w; in >> w;) t.push_back(w);
  if (t.size() != 10 || t[2] != "SOA") return std::nullopt;
  Soa s;
  s.text = line;
  if (!number(t[5], s.serial) || !number(t[6], s.refresh) || !number(t[7], s.retry) || !number(t[8], s.expire))
    return std::nullopt;
  return s;
}

}  // namespace

void apply_delta(RpzZone& zone, const ZoneDelta& delta) {
  for (const std::string& r : delta.deleted) zone.records.erase(r);
  for (const std::string& r : delta.added) zone.records.insert(r);
  zone.soa = delta.soa;
  zone.wire_bytes = delta.wire_bytes;
}

void lines_of(const RpzZone& zone, std::string_view owner, std::string& out) {
  std::string key(owner);
  key += '\t';  // the owner ends at the first tab: "a.b." never matches "a.b.c."
  for (auto it = zone.records.lower_bound(key); it != zone.records.end() && it->starts_with(key); ++it) {
    out += *it;
    out += '\n';
  }
}

bool store_zone(const std::string& path, const RpzZone& zone, std::chrono::system_clock::time_point fetched,
                std::string& error) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::string text = "; the last complete zone transferred by sproutdns, serial " + std::to_string(zone.soa.serial) + "\n";
  text.reserve(zone.records.size() * 48);
  text += zone.soa.text + "\n";
  for (const std::string& r : zone.records) {
    text += r;  // no `r + "\n"`: a temporary per record costs more than the write (1M records)
    text += '\n';
  }
  // The zone first, then the meta naming its serial: a crash between leaves an older meta,
  // and the next transfer is then an AXFR or an IXFR from an older serial, never a wrong delta.
  if (!write_file(path, text)) {
    error = "cannot store the zone in " + path;
    return false;
  }
  return store_zone_meta(path, zone, fetched, error);
}

bool store_zone_meta(const std::string& path, const RpzZone& zone, std::chrono::system_clock::time_point fetched,
                     std::string& error) {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(fetched.time_since_epoch()).count();
  const std::string meta = "fetched\t" + std::to_string(secs) + "\nserial\t" + std::to_string(zone.soa.serial) +
                           "\nrefresh\t" + std::to_string(zone.soa.refresh) + "\nretry\t" + std::to_string(zone.soa.retry) +
                           "\nexpire\t" + std::to_string(zone.soa.expire) + "\nbytes\t" + std::to_string(zone.wire_bytes) + "\n";
  if (!write_file(path + ".meta", meta)) {
    error = "cannot store " + path + ".meta";
    return false;
  }
  return true;
}

std::optional<StoredZone> load_stored_zone(const std::string& path) {
  std::ifstream meta(path + ".meta");
  std::ifstream in(path);
  if (!meta || !in) return std::nullopt;
  StoredZone out;
  std::uint32_t serial = 0;
  bool have_serial = false;
  for (std::string line; std::getline(meta, line);) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    const std::string_view key(line.data(), tab), value(line.data() + tab + 1, line.size() - tab - 1);
    long long secs = 0;
    if (key == "fetched" && number(value, secs)) out.fetched = std::chrono::system_clock::time_point(std::chrono::seconds(secs));
    if (key == "serial") have_serial = number(value, serial);
    if (key == "bytes") number(value, out.zone.wire_bytes);
  }
  std::string line;
  while (std::getline(in, line) && (line.empty() || line[0] == ';')) {}
  auto soa = soa_of(line);
  // The zone file is renamed into place before its meta: they agree unless a crash came between.
  if (!soa || !have_serial || soa->serial != serial) return std::nullopt;
  out.zone.soa = *soa;
  for (; std::getline(in, line);) {
    if (!line.empty()) out.zone.records.insert(out.zone.records.end(), line);
  }
  return out;
}

}  // namespace sprout::transfer
