// Walking the records of an untrusted upstream answer and deciding if and how long to cache it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "sprout/cache/cache_key.hpp"
#include "sprout/dns/name.hpp"
#include "sprout/dns/wire.hpp"

namespace sprout::cache {

enum class Section : std::uint8_t { answer, authority, additional };

// One resource record as it sits in the message. Offsets index the message.
struct RecordRef {
  Section section = Section::answer;
  std::uint16_t type = 0;
  std::uint16_t rclass = 0;
  std::uint32_t ttl = 0;
  std::size_t ttl_offset = 0;
  std::size_t rdata_offset = 0;
  std::uint16_t rdlength = 0;
};

struct WalkResult {
  bool ok = false;
  std::size_t end = 0;  // offset just past the last record
};

// True when the names a record's rdata holds (NS, CNAME, PTR, DNAME, MX, SRV, SOA) can be read
// and fill the rdata exactly (SVCB/HTTPS: the target name ends inside it, parameters
// follow), and an address (A, AAAA) has its one size. Clients decode these by type: a message with a broken one is unreadable (a 5-byte A shifts every record after it
// for a client that reads 4), and passing it on would hand every client an answer it must
// reject, or one whose address the inspection did not see.
bool rdata_well_formed(std::span<const std::uint8_t> msg, const RecordRef& rr) noexcept;

// Calls `visit(const RecordRef&)` for every record after the question section, in order.
// Bounds-checked everywhere; owner names may use compression pointers (validated by
// dns::skip_name), and so may names in rdata (rdata_well_formed). Stops at the first malformed
// byte and returns ok = false.
template <class Visit>
WalkResult walk_records(std::span<const std::uint8_t> msg, Visit&& visit) noexcept {
  if (msg.size() < dns::kHeaderSize) return {};
  const std::uint8_t* p = msg.data();
  std::size_t pos = dns::kHeaderSize;
  for (std::uint16_t i = 0, n = dns::get16(p + dns::kOffQd); i < n; ++i) {
    const dns::NameRead name = dns::skip_name(msg, pos);
    if (name.error != dns::NameError::ok || name.end + 4 > msg.size()) return {};
    pos = name.end + 4;
  }
  const std::uint16_t counts[3] = {dns::get16(p + dns::kOffAn), dns::get16(p + dns::kOffNs),
                                   dns::get16(p + dns::kOffAr)};
  for (int s = 0; s < 3; ++s) {
    for (std::uint16_t i = 0; i < counts[s]; ++i) {
      const dns::NameRead name = dns::skip_name(msg, pos);
      if (name.error != dns::NameError::ok || name.end + 10 > msg.size()) return {};
      RecordRef rr;
      rr.section = static_cast<Section>(s);
      rr.type = dns::get16(p + name.end);
      rr.rclass = dns::get16(p + name.end + 2);
      rr.ttl_offset = name.end + 4;
      rr.ttl = dns::get32(p + rr.ttl_offset);
      rr.rdlength = dns::get16(p + name.end + 8);
      rr.rdata_offset = name.end + 10;
      if (rr.rdata_offset + rr.rdlength > msg.size() || !rdata_well_formed(msg, rr)) return {};
      visit(static_cast<const RecordRef&>(rr));
      pos = rr.rdata_offset + rr.rdlength;
    }
  }
  return {true, pos};
}

// Why an answer was (not) stored. `cacheable` from PacketCache::insert means "stored".
enum class AnswerStatus : std::uint8_t {
  cacheable,
  disabled,              // the cache has max_entries = 0
  malformed,             // header, question or a record runs past the end or is invalid
  not_response,          // QR clear or opcode not QUERY
  truncated,             // TC set: a partial answer must not be replayed
  error_rcode,           // anything but NOERROR/NXDOMAIN (SERVFAIL, REFUSED, extended rcodes)
  question_mismatch,     // the answer's question is not the key's
  uncacheable_name,      // ambiguous or over-long name text
  negative_without_soa,  // RFC 2308 5: SHOULD NOT be cached, and we do not
  zero_ttl,              // effective TTL is 0
  too_large,             // bigger than a DNS message can be
  no_memory,             // the entry could not be allocated
};

// RFC 2181 8: a TTL with the most significant bit set is treated as zero.
inline std::uint32_t sane_ttl(std::uint32_t ttl) noexcept { return ttl > 0x7fffffffu ? 0 : ttl; }

struct TtlLimits {
  std::uint32_t min_ttl = 0;
  std::uint32_t max_ttl = 86400;
  std::uint32_t negative_ttl = 3600;
};

struct AnswerVerdict {
  AnswerStatus status = AnswerStatus::malformed;
  std::uint32_t ttl = 0;        // how long the entry is fresh
  bool negative = false;        // NXDOMAIN or NODATA
  std::size_t end = 0;          // message length that was parsed (trailing junk excluded)
  std::size_t ttl_records = 0;  // records whose TTL is patched on a hit (all but OPT)
};

// Classifies an answer for `key` (RFC 1035 / RFC 2181 / RFC 2308):
//  - positive: min TTL over answer + authority records (OPT skipped), clamped to
//    [min_ttl, max_ttl];
//  - negative (NXDOMAIN, or NOERROR with no answer record of the asked type): min(SOA TTL,
//    SOA MINIMUM, any CNAME TTLs in the answer), clamped to [min_ttl, max_ttl], then capped
//    by negative_ttl; without an SOA in the authority section it is not cached at all.
// TTLs with the top bit set count as 0 (RFC 2181 8).
AnswerVerdict classify_answer(std::span<const std::uint8_t> msg, const CacheKey& key,
                              const TtlLimits& limits) noexcept;

}  // namespace sprout::cache
