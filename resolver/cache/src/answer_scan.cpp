// Deciding whether an upstream answer may be cached, and for how long.
#include "sprout/cache/answer_scan.hpp"

#include <algorithm>

namespace sprout::cache {
namespace {

constexpr std::uint16_t kTypeOpt = static_cast<std::uint16_t>(dns::RrType::opt);
constexpr std::uint16_t kTypeSoa = static_cast<std::uint16_t>(dns::RrType::soa);
constexpr std::uint16_t kTypeAny = static_cast<std::uint16_t>(dns::RrType::any);
constexpr std::uint32_t kNoTtl = 0xffffffffu;

// What the record walk collects.
struct Tally {
  std::uint32_t min_rr_ttl = kNoTtl;      // answer + authority, OPT excluded
  std::uint32_t min_answer_ttl = kNoTtl;  // answer section only
  bool has_qtype_answer = false;
  bool has_soa = false;
  bool bad_soa = false;
  bool extended_rcode = false;
  std::uint32_t soa_ttl = 0;
  std::uint32_t soa_minimum = 0;
  std::size_t ttl_records = 0;
};

// Reads SOA MINIMUM: two names (possibly compressed) then five 32-bit fields, all inside rdata.
bool read_soa_minimum(std::span<const std::uint8_t> msg, const RecordRef& rr, std::uint32_t& minimum) noexcept {
  const std::size_t rdata_end = rr.rdata_offset + rr.rdlength;
  const dns::NameRead mname = dns::skip_name(msg, rr.rdata_offset);
  if (mname.error != dns::NameError::ok || mname.end > rdata_end) return false;
  const dns::NameRead rname = dns::skip_name(msg, mname.end);
  if (rname.error != dns::NameError::ok || rname.end + 20 > rdata_end) return false;
  minimum = dns::get32(msg.data() + rname.end + 16);
  return true;
}

}  // namespace

bool rdata_well_formed(std::span<const std::uint8_t> msg, const RecordRef& rr) noexcept {
  constexpr std::uint16_t kTypeDname = 39;  // RFC 6672
  constexpr std::uint16_t kTypeSvcb = 64, kTypeHttps = 65;  // RFC 9460
  std::size_t before = 0, names = 1, after = 0;  // fixed bytes, names, fixed bytes
  bool exact = true;                             // false: parameters of any length follow
  switch (rr.type) {
    case static_cast<std::uint16_t>(dns::RrType::ns):
    case static_cast<std::uint16_t>(dns::RrType::cname):
    case static_cast<std::uint16_t>(dns::RrType::ptr):
    case kTypeDname: break;
    case static_cast<std::uint16_t>(dns::RrType::mx): before = 2; break;                      // preference
    case static_cast<std::uint16_t>(dns::RrType::srv): before = 6; break;                     // priority, weight, port
    case static_cast<std::uint16_t>(dns::RrType::soa): names = 2, after = 20; break;          // serial .. minimum
    case kTypeSvcb:
    case kTypeHttps: before = 2, exact = false; break;                                        // priority, target
    case static_cast<std::uint16_t>(dns::RrType::a): return rr.rdlength == 4;
    case static_cast<std::uint16_t>(dns::RrType::aaaa): return rr.rdlength == 16;
    default: return true;
  }
  const std::size_t end = rr.rdata_offset + rr.rdlength;
  std::size_t pos = rr.rdata_offset + before;
  for (std::size_t i = 0; i < names; ++i) {
    if (pos >= end) return false;
    const dns::NameRead name = dns::skip_name(msg, pos);
    if (name.error != dns::NameError::ok || name.end > end) return false;
    pos = name.end;
  }
  return exact ? pos + after == end : pos <= end;
}

namespace {

void tally_record(std::span<const std::uint8_t> msg, const CacheKey& key, const RecordRef& rr, Tally& t) noexcept {
  if (rr.type == kTypeOpt) {
    // Extended rcode lives in the OPT TTL's top byte (RFC 6891 6.1.3).
    t.extended_rcode = t.extended_rcode || (rr.ttl >> 24) != 0;
    return;
  }
  ++t.ttl_records;
  const std::uint32_t ttl = sane_ttl(rr.ttl);
  if (rr.section == Section::additional) return;
  t.min_rr_ttl = std::min(t.min_rr_ttl, ttl);
  if (rr.section == Section::answer) {
    t.min_answer_ttl = std::min(t.min_answer_ttl, ttl);
    t.has_qtype_answer = t.has_qtype_answer || rr.type == key.qtype || key.qtype == kTypeAny;
  } else if (rr.type == kTypeSoa && !t.has_soa) {
    t.has_soa = true;
    t.soa_ttl = ttl;
    t.bad_soa = !read_soa_minimum(msg, rr, t.soa_minimum);
  }
}

// Header checks that do not need the records.
AnswerStatus check_header(std::span<const std::uint8_t> msg) noexcept {
  if (msg.size() < dns::kHeaderSize) return AnswerStatus::malformed;
  if (msg.size() > dns::kMaxMessage) return AnswerStatus::too_large;
  const std::uint16_t flags = dns::get16(msg.data() + dns::kOffFlags);
  if ((flags & dns::kFlagQr) == 0 || (flags & dns::kOpcodeMask) != 0) return AnswerStatus::not_response;
  if ((flags & dns::kFlagTc) != 0) return AnswerStatus::truncated;
  const auto rcode = static_cast<dns::Rcode>(flags & dns::kRcodeMask);
  if (rcode != dns::Rcode::noerror && rcode != dns::Rcode::nxdomain) return AnswerStatus::error_rcode;
  if (dns::get16(msg.data() + dns::kOffQd) != 1) return AnswerStatus::malformed;
  return AnswerStatus::cacheable;
}

// The answer must be for exactly the key's question (0x20 case differences allowed).
AnswerStatus check_question(std::span<const std::uint8_t> msg, const CacheKey& key) noexcept {
  if (key.qname.size() > kMaxKeyName) return AnswerStatus::uncacheable_name;
  dns::NameText name;
  const dns::NameRead read = dns::read_name(msg, dns::kHeaderSize, &name);
  if (read.error != dns::NameError::ok || read.end + 4 > msg.size()) return AnswerStatus::malformed;
  if (name.odd_bytes) return AnswerStatus::uncacheable_name;
  const std::uint16_t qtype = dns::get16(msg.data() + read.end);
  const std::uint16_t qclass = dns::get16(msg.data() + read.end + 2);
  if (!same_name(name.view(), key.qname) || qtype != key.qtype || qclass != key.qclass) {
    return AnswerStatus::question_mismatch;
  }
  return AnswerStatus::cacheable;
}

std::uint32_t clamp_ttl(std::uint32_t ttl, const TtlLimits& limits) noexcept {
  const std::uint32_t upper = std::max(limits.min_ttl, limits.max_ttl);
  return std::clamp(ttl, limits.min_ttl, upper);
}

}  // namespace

AnswerVerdict classify_answer(std::span<const std::uint8_t> msg, const CacheKey& key,
                              const TtlLimits& limits) noexcept {
  AnswerVerdict verdict;
  verdict.status = check_header(msg);
  if (verdict.status == AnswerStatus::cacheable) verdict.status = check_question(msg, key);
  if (verdict.status != AnswerStatus::cacheable) return verdict;

  Tally tally;
  const WalkResult walk = walk_records(msg, [&](const RecordRef& rr) { tally_record(msg, key, rr, tally); });
  if (!walk.ok || tally.bad_soa) return {AnswerStatus::malformed};
  if (tally.extended_rcode) return {AnswerStatus::error_rcode};
  verdict.end = walk.end;
  verdict.ttl_records = tally.ttl_records;

  const auto rcode = static_cast<dns::Rcode>(dns::get16(msg.data() + dns::kOffFlags) & dns::kRcodeMask);
  verdict.negative = rcode == dns::Rcode::nxdomain || !tally.has_qtype_answer;
  if (verdict.negative) {
    if (!tally.has_soa) return {AnswerStatus::negative_without_soa, 0, true};
    const std::uint32_t soa = std::min({tally.soa_ttl, sane_ttl(tally.soa_minimum), tally.min_answer_ttl});
    verdict.ttl = std::min(clamp_ttl(soa, limits), limits.negative_ttl);
  } else {
    verdict.ttl = clamp_ttl(tally.min_rr_ttl, limits);
  }
  if (verdict.ttl == 0) verdict.status = AnswerStatus::zero_ttl;
  return verdict;
}

}  // namespace sprout::cache
