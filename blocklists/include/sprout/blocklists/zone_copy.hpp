// The stored last-good copy of a transferred zone: a versioned binary file (the SOA line and
// the packed records, CRC-32 checked, read in one go) replaced whole by rename, and beside it
// a journal of IXFR deltas (`path + ".journal"`), one checksummed, fsync'd entry per IXFR,
// replayed at load: an IXFR costs an append, not a rewrite of the zone.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sprout/blocklists/zone_records.hpp"

namespace sprout::blocklists {

struct ZoneCopy {
  std::uint32_t serial = 0;
  std::string soa;  // the SOA line, zone text
  ZoneRecords records;
  std::size_t replayed = 0;       // journal entries applied at load
  std::uint64_t copy_bytes = 0;   // the sizes on disk, for compaction
  std::uint64_t journal_bytes = 0;
  std::string journal_problem;    // not empty: a torn or damaged journal tail was ignored (why)
};

// One IXFR's net change, as journalled.
struct ZoneJournalEntry {
  std::uint32_t from = 0;  // the serial it applies to
  std::uint32_t to = 0;
  std::string_view soa;    // the new SOA line
  std::span<const std::string> deleted;
  std::span<const std::string> added;
};

// Writes the copy (temp file, fsync, rename) and then removes its journal, which the copy
// now includes. False with `error` set when it cannot.
bool write_zone_copy(const std::string& path, std::uint32_t serial, std::string_view soa, const ZoneRecords& records,
                     std::string& error);

// Appends `entry` to the journal and fsyncs it; `journal_bytes` is then the journal's size.
bool append_zone_journal(const std::string& path, const ZoneJournalEntry& entry, std::uint64_t& journal_bytes,
                         std::string& error);

// The copy with its journal replayed (entries that do not start at the serial reached are
// skipped: older than the copy). Null with `error` set when there is no copy, or it is of
// another format or version, or damaged; a damaged journal tail only stops the replay. The
// records come without their lookup table unless a journal was replayed (records.fit()).
std::optional<ZoneCopy> load_zone_copy(const std::string& path, std::string& error);

}  // namespace sprout::blocklists
