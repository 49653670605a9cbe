// An RPZ zone held by the secondary: its SOA and records (canonical text lines, held packed),
// stored whole as the list's last-good copy (zone text the RPZ list parser reads) with its
// serial and timers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sprout/blocklists/zone_records.hpp"

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
  // removes exactly the record it names. Packed relative to the apex ("zone.").
  blocklists::ZoneRecords records;
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

// The last-good copy: `path` (blocklists/zone_copy.hpp: the zone and its IXFR journal) and
// `path + ".meta"` (serial, timers, when fetched).
struct StoredZone {
  RpzZone zone;
  std::chrono::system_clock::time_point fetched;
  std::uint64_t copy_bytes = 0, journal_bytes = 0;
  std::string journal_problem;  // a damaged journal tail was ignored: why (store the zone whole)
};

// Writes the copy whole (temp file + rename, its journal then dropped) and the meta; false
// with `error` set when it cannot.
bool store_zone(const std::string& path, const RpzZone& zone, std::chrono::system_clock::time_point fetched,
                std::string& error);
// An IXFR from serial `from`: `delta` (already applied to `zone`) appended to the copy's
// journal, then the meta; `journal_bytes` is the journal's size after it.
bool store_delta(const std::string& path, const RpzZone& zone, std::uint32_t from, const ZoneDelta& delta,
                 std::chrono::system_clock::time_point fetched, std::uint64_t& journal_bytes, std::string& error);
// Only the meta file: the zone was checked (up to date) at `fetched`; expire counts from there.
bool store_zone_meta(const std::string& path, const RpzZone& zone, std::chrono::system_clock::time_point fetched,
                     std::string& error);
// Reads a copy written by store_zone (and store_delta); nullopt when there is none, or it is of
// another format or damaged, or its meta disagrees: then `why` (when given) says which.
std::optional<StoredZone> load_stored_zone(const std::string& path, std::string* why = nullptr);

}  // namespace sprout::transfer
