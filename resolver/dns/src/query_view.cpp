// Parsing of untrusted queries into a QueryView.
#include "sprout/dns/query_view.hpp"

namespace sprout::dns {
namespace {

constexpr std::size_t kRrFixed = 10;  // type, class, ttl, rdlength

// Reads the OPT record whose root-name byte is at `name_offset`.
ParseStatus read_opt(std::span<const std::uint8_t> wire, std::size_t name_offset, QueryView& view) noexcept {
  if (view.has_edns) return ParseStatus::formerr;  // RFC 6891 6.1.1: more than one OPT
  const std::uint8_t* p = &wire[name_offset + 1];
  view.has_edns = true;
  view.opt_offset = name_offset;
  view.edns_udp_size = get16(p + 2);
  view.edns_version = p[5];
  view.dnssec_ok = (get16(p + 6) & kEdnsDo) != 0;
  view.opt_rdata = name_offset + 1 + kRrFixed;
  view.opt_rdlength = get16(p + 8);
  // Options that overrun their record are not an error a resolver must answer; the identity
  // options in them are simply not believed (and still stripped before upstream).
  if (!read_client_options(wire, view.opt_rdata, view.opt_rdlength, view.client_options)) {
    view.client_options = ClientOptions{};
    view.client_options.present = true;
    view.client_options.count = 1;
    view.client_options.malformed = 1;
  }
  return view.edns_version > 0 ? ParseStatus::badvers : ParseStatus::ok;
}

// Walks answer, authority and additional records looking for OPT.
ParseStatus read_records(std::span<const std::uint8_t> wire, std::size_t pos, QueryView& view) noexcept {
  const std::size_t count = std::size_t{get16(&wire[kOffAn])} + get16(&wire[kOffNs]) + get16(&wire[kOffAr]);
  const std::size_t additional_from = count - get16(&wire[kOffAr]);
  ParseStatus status = ParseStatus::ok;
  for (std::size_t i = 0; i < count; ++i) {
    const NameRead name = skip_name(wire, pos);
    if (name.error != NameError::ok || name.end + kRrFixed > wire.size()) return ParseStatus::formerr;
    const std::uint8_t* fixed = &wire[name.end];
    const std::size_t rdlength = get16(fixed + 8);
    if (name.end + kRrFixed + rdlength > wire.size()) return ParseStatus::formerr;
    if (get16(fixed) == static_cast<std::uint16_t>(RrType::opt)) {
      // OPT is only valid in the additional section and with the root as owner.
      if (i < additional_from || name.end != pos + 1) return ParseStatus::formerr;
      const ParseStatus opt = read_opt(wire, pos, view);
      if (opt == ParseStatus::formerr) return opt;
      if (opt == ParseStatus::badvers) status = opt;
    }
    pos = name.end + kRrFixed + rdlength;
  }
  return status;
}

// The question and the records after the header.
ParseStatus parse_body(std::span<const std::uint8_t> wire, QueryView& view) noexcept {
  if (get16(&wire[kOffQd]) != 1) return ParseStatus::formerr;
  const NameRead name = read_name(wire, kHeaderSize, &view.qname);
  if (name.error != NameError::ok || name.end + 4 > wire.size()) return ParseStatus::formerr;
  view.qtype = get16(&wire[name.end]);
  view.qclass = get16(&wire[name.end + 2]);
  view.question_end = name.end + 4;
  return read_records(wire, view.question_end, view);
}

// NOTIMP follows the client's EDNS like every answer (RFC 6891 section 7), so a well-formed
// body is read for its question and OPT; anything else gets a bare NOTIMP header.
ParseStatus parse_unknown_opcode(std::span<const std::uint8_t> wire, QueryView& view) noexcept {
  QueryView full = view;
  if (parse_body(wire, full) == ParseStatus::ok) view = full;
  return ParseStatus::notimp;
}

}  // namespace

ParseStatus parse_query(std::span<const std::uint8_t> wire, QueryView& view) noexcept {
  view = QueryView{};
  view.wire = wire;
  if (wire.size() < kHeaderSize) return ParseStatus::drop_short;
  view.id = get16(&wire[kOffId]);
  view.flags = get16(&wire[kOffFlags]);
  if ((view.flags & kFlagQr) != 0) return ParseStatus::drop_response;
  if ((view.flags & kOpcodeMask) != 0) return parse_unknown_opcode(wire, view);
  return parse_body(wire, view);
}

}  // namespace sprout::dns
