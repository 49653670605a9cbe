// An RPZ zone held by the secondary: its SOA and records as canonical text, stored whole as
// the list's last-good copy (zone text the RPZ list parser reads) with its serial and timers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace sprout::transfer {

struct Soa {
  std::uint32_t serial = 0;
  std::uint32_t refresh = 0;
  std::uint32_t retry = 0;
  std::uint32_t expire = 0;
  std::string text;  // the SOA record as zone text, TTL 0
};

struct RpzZone {
  Soa soa;
  // "owner.\tIN\tTYPE\trdata" lowercase, no TTL: one line per record, so an IXFR deletion
  // removes exactly the record it names.
  std::set<std::string> records;
  std::uint64_t wire_bytes = 0;  // what the transfer that built it carried
};

// What an IXFR changed, net over all its deltas: lines as in RpzZone::records. A record
// deleted and added again appears in neither list.
struct ZoneDelta {
  Soa soa;  // the zone's new SOA
  std::vector<std::string> deleted;
  std::vector<std::string> added;
  std::uint64_t wire_bytes = 0;
};

// Applies `delta` in place (the deletions were checked against `zone` when it was read).
void apply_delta(RpzZone& zone, const ZoneDelta& delta);

// Appends every line `zone` holds for `owner` ("name." as in the records) to `out`, one a line.
void lines_of(const RpzZone& zone, std::string_view owner, std::string& out);

// The last-good copy: `path` (zone text) and `path + ".meta"` (serial, timers, when fetched).
struct StoredZone {
  RpzZone zone;
  std::chrono::system_clock::time_point fetched;
};

// Writes both files whole (temp file + rename); false with `error` set when it cannot.
bool store_zone(const std::string& path, const RpzZone& zone, std::chrono::system_clock::time_point fetched,
                std::string& error);
// Only the meta file: the zone was checked (up to date) at `fetched`; expire counts from there.
bool store_zone_meta(const std::string& path, const RpzZone& zone, std::chrono::system_clock::time_point fetched,
                     std::string& error);
// Reads a copy written by store_zone; nullopt when there is none or it is damaged.
std::optional<StoredZone> load_stored_zone(const std::string& path);

}  // namespace sprout::transfer
