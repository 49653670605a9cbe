// The last-good copy of a transferred zone: the zone copy with its IXFR journal
// (blocklists/zone_copy.hpp) plus a small meta file.
#include "sprout/transfer/rpz_zone.hpp"

#include "sprout/blocklists/zone_copy.hpp"

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

void lines_of(const RpzZone& zone, std::string_view owner, std::string& out) { zone.records.lines_of(owner, out); }

bool store_zone(const std::string& path, const RpzZone& zone, std::chrono::system_clock::time_point fetched,
                std::string& error) {
  // The zone first, then the meta naming its serial: a crash between leaves an older meta,
  // and the copy is then not trusted (the next transfer is an AXFR), never a wrong delta.
  return blocklists::write_zone_copy(path, zone.soa.serial, zone.soa.text, zone.records, error) &&
         store_zone_meta(path, zone, fetched, error);
}

bool store_delta(const std::string& path, const RpzZone& zone, std::uint32_t from, const ZoneDelta& delta,
                 std::chrono::system_clock::time_point fetched, std::uint64_t& journal_bytes, std::string& error) {
  const blocklists::ZoneJournalEntry entry{from, delta.soa.serial, delta.soa.text, delta.deleted, delta.added};
  return blocklists::append_zone_journal(path, entry, journal_bytes, error) && store_zone_meta(path, zone, fetched, error);
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

std::optional<StoredZone> load_stored_zone(const std::string& path, std::string* why) {
  const auto refuse = [why](std::string reason) {
    if (why != nullptr) *why = std::move(reason);
    return std::nullopt;
  };
  std::ifstream meta(path + ".meta");
  if (!meta) return refuse("no stored copy");
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
  std::string error;
  auto copy = blocklists::load_zone_copy(path, error);
  if (!copy) return refuse(error);
  auto soa = soa_of(copy->soa);
  if (!soa || soa->serial != copy->serial) return refuse("stored copy damaged (its SOA)");
  // The meta is written after the copy (or its journal): they agree unless a crash came between.
  if (!have_serial || serial != copy->serial)
    return refuse("stored copy at serial " + std::to_string(copy->serial) + " but its meta names " +
                  (have_serial ? std::to_string(serial) : std::string("none")));
  out.zone.soa = std::move(*soa);
  out.zone.records = std::move(copy->records);
  out.zone.records.fit();  // IXFRs look records up
  out.copy_bytes = copy->copy_bytes;
  out.journal_bytes = copy->journal_bytes;
  out.journal_problem = std::move(copy->journal_problem);
  return out;
}

}  // namespace sprout::transfer
