// AXFR/IXFR requests and response streams with ldns (see zone_transfer.hpp).
#include "sprout/transfer/zone_transfer.hpp"

#include <cstring>

#include "ldns_handles.hpp"
#include "tsig_gap.hpp"

namespace sprout::transfer {
using namespace detail;
namespace {

std::string key_owner(const config::TsigKey& k) { return k.name + "."; }

constexpr std::size_t kMaxUnsigned = 99;  // RFC 8945 5.3.1: "at least every 100th message" is signed

// ldns reads an SOA with fewer fields (RDLENGTH 0 is legal on the wire) and then asserts
// when a missing one is read: every field is checked before any is.
bool soa_complete(const ldns_rr* soa) {
  if (ldns_rr_rd_count(soa) != 7) return false;
  for (std::size_t i = 2; i < 7; ++i) {
    const ldns_rdf* f = ldns_rr_rdf(soa, i);
    if (f == nullptr || ldns_rdf_size(f) != 4) return false;
  }
  return true;
}

std::uint32_t soa_serial(const ldns_rr* soa) { return ldns_rdf2native_int32(ldns_rr_rdf(soa, 2)); }

Soa soa_of(const ldns_rr* rr) {
  return Soa{soa_serial(rr), ldns_rdf2native_int32(ldns_rr_rdf(rr, 3)), ldns_rdf2native_int32(ldns_rr_rdf(rr, 4)),
             ldns_rdf2native_int32(ldns_rr_rdf(rr, 5)), record_text(rr)};
}

// The 48-bit "time signed" of a TSIG record.
std::int64_t tsig_time(const ldns_rr* tsig) {
  const ldns_rdf* t = ldns_rr_rd_count(tsig) > 1 ? ldns_rr_rdf(tsig, 1) : nullptr;
  if (t == nullptr || ldns_rdf_size(t) != 6) return -1;
  std::int64_t v = 0;
  for (std::size_t i = 0; i < 6; ++i) v = (v << 8) | ldns_rdf_data(t)[i];
  return v;
}

}  // namespace

namespace detail {

namespace {

// A dname's presentation text, lowercase, with the final dot: the bytes ldns_rdf2str gives
// after ldns_rr2canonical (same escapes), without its printf per character, which was a
// third of a large AXFR's time.
void append_dname(std::string& out, const ldns_rdf* dname) {
  const std::uint8_t* d = ldns_rdf_data(dname);
  const std::size_t size = ldns_rdf_size(dname);
  if (size <= 1) {
    out += '.';
    return;
  }
  for (std::size_t pos = 0; pos < size && d[pos] != 0;) {
    const std::size_t len = d[pos++];
    for (std::size_t i = 0; i < len && pos < size; ++i, ++pos) {
      unsigned char c = d[pos];
      if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
      if (c == '.' || c == ';' || c == '(' || c == ')' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x21 || c > 0x7e) {  // not isascii && isgraph
        const char esc[5] = {'\\', static_cast<char>('0' + c / 100), static_cast<char>('0' + c / 10 % 10),
                             static_cast<char>('0' + c % 10), 0};
        out += esc;
      } else {
        out += static_cast<char>(c);
      }
    }
    out += '.';
  }
}

bool is_dname(const ldns_rdf* r) { return r != nullptr && ldns_rdf_get_type(r) == LDNS_RDF_TYPE_DNAME; }

}  // namespace

std::string name_text(const ldns_rdf* dname) {
  std::string out;
  append_dname(out, dname);
  if (out.size() > 1 && out.back() == '.') out.pop_back();
  return out;
}

std::string record_text(const ldns_rr* rr) {
  // An RPZ zone is nearly all CNAMEs: written here directly (the same text as below).
  if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && ldns_rr_rd_count(rr) == 1 && is_dname(ldns_rr_rdf(rr, 0)) &&
      is_dname(ldns_rr_owner(rr))) {
    std::string out;
    out.reserve(64);
    append_dname(out, ldns_rr_owner(rr));
    out += "\tIN\tCNAME\t";
    append_dname(out, ldns_rr_rdf(rr, 0));
    return out;
  }
  RrPtr copy(ldns_rr_clone(rr));
  ldns_rr2canonical(copy.get());
  char* owner = ldns_rdf2str(ldns_rr_owner(copy.get()));
  char* type = ldns_rr_type2str(ldns_rr_get_type(copy.get()));
  std::string out = std::string(owner != nullptr ? owner : "") + "\tIN\t" + (type != nullptr ? type : "") + "\t";
  free(owner);
  free(type);
  for (std::size_t i = 0; i < ldns_rr_rd_count(copy.get()); ++i) {
    char* rd = ldns_rdf2str(ldns_rr_rdf(copy.get(), i));
    out += (i == 0 ? "" : " ") + std::string(rd != nullptr ? rd : "");
    free(rd);
  }
  return out;
}

std::string tsig_time_problem(const ldns_rr* tsig, std::chrono::system_clock::time_point now) {
  const ldns_rdf* fudge_field = ldns_rr_rdf(tsig, 2);
  if (fudge_field == nullptr || ldns_rdf_size(fudge_field) != 2) return "record malformed (no fudge)";
  const std::int64_t signed_at = tsig_time(tsig);
  const std::int64_t fudge = ldns_rdf2native_int16(fudge_field);
  const std::int64_t t = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (signed_at >= 0 && signed_at <= t + fudge && signed_at >= t - fudge) return {};
  return "time " + std::to_string(signed_at) + " is more than its fudge (" + std::to_string(fudge) + " s) from ours (" +
         std::to_string(t) + ")";
}

const char* algorithm_name(int algorithm) {
  return algorithm == static_cast<int>(config::TsigAlgorithm::hmac_sha512) ? "hmac-sha512." : "hmac-sha256.";
}

}  // namespace detail

bool serial_after(std::uint32_t a, std::uint32_t b) noexcept {
  // RFC 1982 with SERIAL_BITS = 32: a > b when the forward distance is below 2^31.
  return a != b && static_cast<std::uint32_t>(a - b) < 0x80000000u;
}

Request make_request(const std::string& zone, const std::optional<config::TsigKey>& key, const RpzZone* current, std::chrono::system_clock::time_point) {
  Request r;
  ldns_rdf* name = ldns_dname_new_frm_str((zone + ".").c_str());
  PktPtr pkt;
  ldns_rr* soa = nullptr;
  if (current && ldns_rr_new_frm_str(&soa, current->soa.text.c_str(), 0, nullptr, nullptr) == LDNS_STATUS_OK) {
    pkt.reset(ldns_pkt_ixfr_request_new(name, LDNS_RR_CLASS_IN, 0, soa));  // owns name and soa
    r.ixfr = true;
  } else {
    pkt.reset(ldns_pkt_query_new(name, LDNS_RR_TYPE_AXFR, LDNS_RR_CLASS_IN, 0));
  }
  ldns_pkt_set_random_id(pkt.get());
  r.id = ldns_pkt_id(pkt.get());
  if (key) {
    // ldns_pkt_tsig_sign reads the clock itself (time signed = now).
    if (ldns_pkt_tsig_sign(pkt.get(), key_owner(*key).c_str(), key->secret.c_str(), kTsigFudge,
                           algorithm_name(static_cast<int>(key->algorithm)), nullptr) != LDNS_STATUS_OK) {
      return Request{};
    }
    const ldns_rdf* mac = ldns_rr_rdf(ldns_pkt_tsig(pkt.get()), 3);
    r.mac.assign(ldns_rdf_data(mac), ldns_rdf_data(mac) + ldns_rdf_size(mac));
  }
  std::uint8_t* wire = nullptr;
  std::size_t size = 0;
  if (ldns_pkt2wire(&wire, pkt.get(), &size) != LDNS_STATUS_OK) return Request{};
  r.wire.assign(wire, wire + size);
  free(wire);
  return r;
}

enum class Phase { first_soa, second, axfr, ixfr_delete, ixfr_add, done };

struct ResponseReader::Impl {
  std::string zone;
  std::optional<config::TsigKey> key;
  Request request;
  const RpzZone* current;
  std::uint64_t max_bytes;
  std::uint64_t bytes = 0;
  RdfPtr mac;  // the MAC the next message's digest starts from
  TsigGap gap;  // unsigned messages since the last signed one
  Phase phase = Phase::first_soa;
  Outcome kind = Outcome::more;
  Soa target;              // the primary's SOA (first record)
  std::uint32_t version = 0;  // IXFR: the serial the deltas so far reached
  RpzZone zone_out;  // full_zone
  // incremental, net: a deletion cancels an addition earlier in the stream and vice versa,
  // so `current` is never copied and applying the delta needs no order.
  std::set<std::string> added, deleted;
  std::size_t records = 0;

  Impl(const std::string& z, const std::optional<config::TsigKey>& k, const Request& r, const RpzZone* c,
       std::uint64_t m)
      : zone(z), key(k), request(r), current(c), max_bytes(m) {
    zone_out.records = blocklists::ZoneRecords(z + ".");
    if (!r.mac.empty()) mac.reset(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, r.mac.size(), r.mac.data()));
  }

  // Empty: fine; else why the stream is refused.
  std::string check_message(ldns_pkt* pkt, const std::uint8_t* wire, std::size_t size, std::size_t index,
                            std::chrono::system_clock::time_point now);
  std::string check_tsig(ldns_pkt* pkt, const std::uint8_t* wire, std::size_t size, std::size_t index,
                         std::chrono::system_clock::time_point now);
  std::string feed(const ldns_rr* rr);
  std::string feed_ixfr(const ldns_rr* rr, bool is_soa);
};

std::string ResponseReader::Impl::check_tsig(ldns_pkt* pkt, const std::uint8_t* wire, std::size_t size,
                                             std::size_t index, std::chrono::system_clock::time_point now) {
  const ldns_rr* tsig = ldns_pkt_tsig(pkt);
  const std::string n = "message " + std::to_string(index + 1);
  if (tsig == nullptr) {
    // RFC 8945 5.3.1: after the first, up to 99 messages in a row may be unsigned; the next
    // signed one covers them (and a stream must end signed: see ResponseReader::add).
    if (index == 0) return n + " is not signed (key " + key->name + " required)";
    if (gap.unsigned_count() == 0 && !gap.open(*key, mac.get())) return n + ": the TSIG key cannot be used";
    if (gap.unsigned_count() == kMaxUnsigned) return n + ": more than " + std::to_string(kMaxUnsigned) + " messages in a row unsigned";
    gap.add_unsigned(wire, size);
    return {};
  }
  if (name_text(ldns_rr_owner(tsig)) != key->name) return n + " is signed with another key (" + name_text(ldns_rr_owner(tsig)) + ")";
  // ldns compares the MAC only; it rejects nothing else.
  const bool after_gap = gap.unsigned_count() > 0;
  const bool good = after_gap ? gap.close(wire, size, tsig)
                              : ldns_pkt_tsig_verify_next(pkt, wire, size, key_owner(*key).c_str(), key->secret.c_str(),
                                                          mac.get(), index > 0 ? 1 : 0);
  if (!good) return n + ": TSIG check failed (wrong key or altered message" + (after_gap ? std::string(" before it") : "") + ")";
  if (std::string late = tsig_time_problem(tsig, now); !late.empty()) return n + ": TSIG " + late;
  if (ldns_rr_rd_count(tsig) < 4 || ldns_rr_rdf(tsig, 3) == nullptr) return n + ": TSIG record malformed (no MAC)";
  mac.reset(ldns_rdf_clone(ldns_rr_rdf(tsig, 3)));
  return {};
}

std::string ResponseReader::Impl::check_message(ldns_pkt* pkt, const std::uint8_t* wire, std::size_t size,
                                                std::size_t index, std::chrono::system_clock::time_point now) {
  if (ldns_pkt_id(pkt) != request.id) return "message " + std::to_string(index + 1) + " answers another query (ID)";
  if (!ldns_pkt_qr(pkt) || ldns_pkt_get_opcode(pkt) != LDNS_PACKET_QUERY) return "not a transfer response";
  if (ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NOERROR) {
    char* rc = ldns_pkt_rcode2str(ldns_pkt_get_rcode(pkt));
    std::string why = std::string("the primary answered ") + (rc != nullptr ? rc : "?") +
                      (ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NOTAUTH ? " (key not accepted or transfer not allowed)" : "");
    free(rc);
    return why;
  }
  if (key) {
    if (std::string e = check_tsig(pkt, wire, size, index, now); !e.empty()) return e;
  }
  if (index == 0) {
    const ldns_rr_list* q = ldns_pkt_question(pkt);
    if (ldns_rr_list_rr_count(q) != 1 || name_text(ldns_rr_owner(ldns_rr_list_rr(q, 0))) != zone)
      return "the response is for another zone";
  }
  return {};
}

std::string ResponseReader::Impl::feed(const ldns_rr* rr) {
  ++records;
  const bool is_soa = ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA;
  const std::string owner = name_text(ldns_rr_owner(rr));
  if (is_soa && owner != zone) return "an SOA for another zone (" + owner + ")";
  if (is_soa && !soa_complete(rr)) return "a malformed SOA record";
  if (owner != zone && !(owner.size() > zone.size() && owner.ends_with("." + zone)))
    return "a record outside the zone (" + owner + ")";
  switch (phase) {
    case Phase::first_soa:
      if (!is_soa) return "the response does not start with the zone's SOA";
      target = soa_of(rr);
      if (current && serial_after(current->soa.serial, target.serial))
        return "the primary's serial " + std::to_string(target.serial) + " is older than ours (" +
               std::to_string(current->soa.serial) + ")";
      phase = Phase::second;
      return {};
    case Phase::second:
      if (is_soa && request.ixfr && current && soa_serial(rr) == current->soa.serial && target.serial != current->soa.serial) {
        version = current->soa.serial;
        phase = Phase::ixfr_delete;
        kind = Outcome::incremental;
        return {};
      }
      if (is_soa && soa_serial(rr) != target.serial)
        return "serial jump: the IXFR starts at " + std::to_string(soa_serial(rr)) + ", ours is " +
               (current ? std::to_string(current->soa.serial) : std::string("none"));
      kind = Outcome::full_zone;  // an AXFR, or the primary's answer to IXFR with the whole zone
      zone_out.soa = target;
      phase = Phase::axfr;
      [[fallthrough]];
    case Phase::axfr:
      if (is_soa) {
        if (soa_serial(rr) != target.serial) return "the zone ends with another serial (" + std::to_string(soa_serial(rr)) + ")";
        phase = Phase::done;
        return {};
      }
      zone_out.records.append(record_text(rr));
      return {};
    case Phase::ixfr_delete:
    case Phase::ixfr_add:
      return feed_ixfr(rr, is_soa);
    case Phase::done:
      return "records after the zone's closing SOA";
  }
  return {};
}

std::string ResponseReader::Impl::feed_ixfr(const ldns_rr* rr, bool is_soa) {
  if (!is_soa) {
    std::string text = record_text(rr);
    const bool ours = current->records.contains(text);
    if (phase == Phase::ixfr_add) {
      if (deleted.erase(text) == 0 && !ours) added.insert(std::move(text));
    } else if (added.erase(text) == 0) {
      if (!ours || !deleted.insert(text).second) return "the IXFR deletes a record we do not have (" + text + "): out of step";
    }
    return {};
  }
  const std::uint32_t serial = soa_serial(rr);
  if (phase == Phase::ixfr_delete) {  // the delta's new version
    if (!serial_after(serial, version))
      return "the IXFR goes from " + std::to_string(version) + " back to " + std::to_string(serial);
    version = serial;
    zone_out.soa = soa_of(rr);
    phase = Phase::ixfr_add;
    return {};
  }
  if (serial == target.serial && version == target.serial) {
    zone_out.soa = target;
    phase = Phase::done;
    return {};
  }
  if (serial != version)
    return "serial jump: an IXFR delta starts at " + std::to_string(serial) + " after reaching " + std::to_string(version);
  phase = Phase::ixfr_delete;
  return {};
}

ResponseReader::ResponseReader(const std::string& zone, const std::optional<config::TsigKey>& key,
                               const Request& request, const RpzZone* current, std::uint64_t max_bytes)
    : impl_(new Impl(zone, key, request, current, max_bytes)) {}

ResponseReader::~ResponseReader() { delete impl_; }

Outcome ResponseReader::add(const std::uint8_t* wire, std::size_t size, std::chrono::system_clock::time_point now) {
  const std::size_t index = messages_++;
  impl_->bytes += size;
  if (impl_->bytes > impl_->max_bytes) {
    error_ = "the zone is over max_size (" + std::to_string(impl_->max_bytes) + " bytes)";
    return Outcome::failed;
  }
  ldns_pkt* raw = nullptr;
  if (ldns_wire2pkt(&raw, wire, size) != LDNS_STATUS_OK) {
    error_ = "message " + std::to_string(index + 1) + " is malformed";
    return Outcome::failed;
  }
  PktPtr pkt(raw);
  error_ = impl_->check_message(pkt.get(), wire, size, index, now);
  if (!error_.empty()) return Outcome::failed;
  const ldns_rr_list* answer = ldns_pkt_answer(pkt.get());
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(answer); ++i) {
    error_ = impl_->feed(ldns_rr_list_rr(answer, i));
    if (!error_.empty()) return Outcome::failed;
  }
  if (impl_->phase == Phase::done) {
    if (impl_->gap.unsigned_count() > 0) {  // nothing would ever cover the last messages
      error_ = "the stream ends with " + std::to_string(impl_->gap.unsigned_count()) + " unsigned messages";
      return Outcome::failed;
    }
    impl_->zone_out.wire_bytes = impl_->bytes;
    impl_->zone_out.records.fit();
    return impl_->kind;
  }
  // RFC 1995: a primary with nothing newer answers an IXFR with its SOA alone.
  if (index == 0 && impl_->records == 1 && impl_->request.ixfr && impl_->current &&
      !serial_after(impl_->target.serial, impl_->current->soa.serial))
    return Outcome::up_to_date;
  return Outcome::more;
}

RpzZone ResponseReader::take_zone() {
  if (impl_->kind != Outcome::incremental) return std::move(impl_->zone_out);
  RpzZone z = *impl_->current;
  apply_delta(z, take_delta());
  return z;
}

ZoneDelta ResponseReader::take_delta() {
  ZoneDelta d;
  d.soa = impl_->zone_out.soa;
  d.wire_bytes = impl_->zone_out.wire_bytes;
  d.deleted.assign(std::make_move_iterator(impl_->deleted.begin()), std::make_move_iterator(impl_->deleted.end()));
  d.added.assign(std::make_move_iterator(impl_->added.begin()), std::make_move_iterator(impl_->added.end()));
  impl_->deleted.clear();
  impl_->added.clear();
  return d;
}

}  // namespace sprout::transfer
