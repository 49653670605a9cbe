#include "ldns_reader.hpp"

namespace sprout::test::ldns {

namespace {

// Walks the records of `wire` as ldns_wire2pkt does (its loop shortens the additional count
// at each TSIG), with ldns's own ldns_wire2rr, calling visit(rr, in_additional, in_step) for
// each; in_step is false when ldns read the rdata as another length than the record's RDLENGTH
// (it reads the fields its descriptor of the type lists and stops). Stops at a record ldns
// cannot read, or when visit returns false.
template <class Visit>
void walk_like_ldns(std::span<const std::uint8_t> wire, Visit visit) {
  if (wire.size() < 12) return;
  const auto count = [&](std::size_t at) { return static_cast<std::size_t>(wire[at] << 8 | wire[at + 1]); };
  const std::size_t before_additional = count(4) + count(6) + count(8);
  std::size_t additional = count(10);
  std::size_t pos = 12;
  for (std::size_t i = 0; i < before_additional + additional; ++i) {
    const bool question = i < count(4);
    std::size_t name_end = pos;
    ldns_rdf* owner = nullptr;
    if (ldns_wire2dname(&owner, wire.data(), wire.size(), &name_end) != LDNS_STATUS_OK) return;
    ldns_rdf_deep_free(owner);
    const std::size_t rdata_end =
        name_end + 10 <= wire.size() ? name_end + 10 + (wire[name_end + 8] << 8 | wire[name_end + 9]) : 0;
    ldns_rr* raw = nullptr;
    if (ldns_wire2rr(&raw, wire.data(), wire.size(), &pos, question ? LDNS_SECTION_QUESTION : LDNS_SECTION_ANSWER) !=
        LDNS_STATUS_OK) {
      return;
    }
    const Rr rr(raw);
    const bool in_additional = i >= before_additional;
    if (!visit(raw, in_additional, question || pos == rdata_end)) return;
    if (in_additional && ldns_rr_get_type(raw) == LDNS_RR_TYPE_TSIG) --additional;
  }
}

// ldns 1.8.3's ldns_wire2pkt keeps only the last TSIG record it reads from the additional
// section (ldns_pkt_set_tsig overwrites the pointer) and leaks the earlier ones, which
// LeakSanitizer reports against whoever calls it. A message with two TSIG records is malformed
// (RFC 8945 section 5.1: one, and last), so the reader refuses it before ldns_wire2pkt.
bool has_second_tsig(std::span<const std::uint8_t> wire) {
  int tsigs = 0;
  walk_like_ldns(wire, [&](const ldns_rr* rr, bool in_additional, bool) {
    if (in_additional && ldns_rr_get_type(rr) == LDNS_RR_TYPE_TSIG) ++tsigs;
    return tsigs < 2;
  });
  return tsigs >= 2;
}

}  // namespace

Packet parse(std::span<const std::uint8_t> wire, ldns_status* status) {
  if (has_second_tsig(wire)) {
    if (status != nullptr) *status = LDNS_STATUS_CRYPTO_TSIG_ERR;
    return nullptr;
  }
  ldns_pkt* raw = nullptr;
  const ldns_status s = ldns_wire2pkt(&raw, wire.data(), wire.size());
  if (status != nullptr) *status = s;
  Packet p(raw);
  if (s != LDNS_STATUS_OK) p.reset();
  return p;
}

std::string text(const ldns_pkt* p) {
  const CString s(ldns_pkt2str(p));
  return s ? std::string(s.get()) : std::string("(ldns could not print the packet)");
}

std::string text(const ldns_rdf* r) {
  const CString s(ldns_rdf2str(r));
  return s ? std::string(s.get()) : std::string();
}

}  // namespace sprout::test::ldns

namespace sprout::test {
namespace {

Question question_of(const ldns_rr* rr) {
  return {ldns::text(ldns_rr_owner(rr)), static_cast<std::uint16_t>(ldns_rr_get_type(rr)),
          static_cast<std::uint16_t>(ldns_rr_get_class(rr))};
}

ResourceRecord record_of(const ldns_rr* rr) {
  ResourceRecord r;
  r.name = ldns::text(ldns_rr_owner(rr));
  r.type = static_cast<std::uint16_t>(ldns_rr_get_type(rr));
  r.klass = static_cast<std::uint16_t>(ldns_rr_get_class(rr));
  r.ttl = ldns_rr_ttl(rr);
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* f = ldns_rr_rdf(rr, i);
    const std::uint8_t* d = ldns_rdf_data(f);
    r.rdata.insert(r.rdata.end(), d, d + ldns_rdf_size(f));  // names come uncompressed from ldns
    r.data += (i == 0 ? "" : " ") + ldns::text(f);
  }
  return r;
}

std::vector<ResourceRecord> records_of(const ldns_rr_list* list) {
  std::vector<ResourceRecord> out;
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) out.push_back(record_of(ldns_rr_list_rr(list, i)));
  return out;
}

// The OPT record ldns took out of the additional section; false when its options are malformed.
bool read_edns(ldns_pkt* p, Message& m) {
  m.opt_records = p->_edns_present;  // ldns counts every OPT it folded into the packet
  if (m.opt_records == 0) return true;
  Edns e;
  e.udp_size = ldns_pkt_edns_udp_size(p);
  e.extended_rcode = ldns_pkt_edns_extended_rcode(p);
  e.version = ldns_pkt_edns_version(p);
  e.dnssec_ok = (ldns_pkt_edns_z(p) & 0x8000) != 0;
  if (ldns_pkt_edns_data(p) != nullptr) {
    const ldns_edns_option_list* list = ldns_pkt_edns_get_option_list(p);  // owned by the packet
    if (list == nullptr) return false;
    for (std::size_t i = 0; i < ldns_edns_option_list_get_count(list); ++i) {
      const ldns_edns_option* o = ldns_edns_option_list_get_option(list, i);
      const std::uint8_t* d = ldns_edns_get_data(o);
      e.options.push_back({static_cast<std::uint16_t>(ldns_edns_get_code(o)), Bytes(d, d + ldns_edns_get_size(o))});
    }
  }
  m.edns = std::move(e);
  return true;
}

std::uint16_t flags_of(const ldns_pkt* p) {
  std::uint16_t f = static_cast<std::uint16_t>((ldns_pkt_get_opcode(p) & 0xF) << 11 | (ldns_pkt_get_rcode(p) & 0xF));
  if (ldns_pkt_qr(p)) f |= flag::kQr;
  if (ldns_pkt_aa(p)) f |= flag::kAa;
  if (ldns_pkt_tc(p)) f |= flag::kTc;
  if (ldns_pkt_rd(p)) f |= flag::kRd;
  if (ldns_pkt_ra(p)) f |= flag::kRa;
  if (ldns_pkt_ad(p)) f |= flag::kAd;
  if (ldns_pkt_cd(p)) f |= flag::kCd;
  return f;
}

}  // namespace

ReadResult read_message(std::span<const std::uint8_t> wire) {
  ReadResult r;
  ldns_status status = LDNS_STATUS_OK;
  const ldns::Packet p = ldns::parse(wire, &status);
  if (!p) {
    r.error = status == LDNS_STATUS_CRYPTO_TSIG_ERR
                  ? std::string("more than one TSIG record (RFC 8945 allows one; ldns 1.8.3 would leak the first)")
                  : std::string("ldns_wire2pkt: ") + ldns_get_errorstr_by_id(status);
    return r;
  }
  Message m;
  m.id = ldns_pkt_id(p.get());
  m.flags = flags_of(p.get());
  const ldns_rr_list* q = ldns_pkt_question(p.get());
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(q); ++i) m.questions.push_back(question_of(ldns_rr_list_rr(q, i)));
  m.answers = records_of(ldns_pkt_answer(p.get()));
  m.authority = records_of(ldns_pkt_authority(p.get()));
  m.additional = records_of(ldns_pkt_additional(p.get()));
  if (!read_edns(p.get(), m)) {
    r.error = "ldns: malformed EDNS options in the OPT record";
    return r;
  }
  r.message = std::move(m);
  return r;
}

std::optional<Message> parse_message(std::span<const std::uint8_t> wire) { return read_message(wire).message; }

std::string presentation(std::span<const std::uint8_t> wire) {
  const ldns::Packet p = ldns::parse(wire);
  return p ? ldns::text(p.get()) : std::string("(ldns cannot parse it)\n");
}

bool ldns_reads_in_step(std::span<const std::uint8_t> wire) {
  if (wire.size() < 12) return false;
  bool in_step = true;
  std::size_t read = 0;
  ldns::walk_like_ldns(wire, [&](const ldns_rr*, bool, bool step) {
    ++read;
    return in_step = step;
  });
  // A TSIG before the last record makes ldns stop early (its loop shortens the count), so the
  // records after it were never read.
  std::size_t records = 0;
  for (std::size_t at = 4; at < 12; at += 2) records += static_cast<std::size_t>(wire[at] << 8 | wire[at + 1]);
  return in_step && read == records;
}

}  // namespace sprout::test
