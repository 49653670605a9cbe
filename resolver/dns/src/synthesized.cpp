// Building blocked answers without allocation.
#include "sprout/dns/synthesized.hpp"

#include <algorithm>

#include "sprout/dns/message_writer.hpp"

namespace sprout::dns {
namespace {

constexpr std::uint16_t kEdeOption = 15;  // RFC 8914 option code

// SOA "sprout.invalid. hostmaster.sprout.invalid. 1 3600 600 86400 ttl" owned by the qname.
void add_soa(MessageWriter& w, std::uint32_t ttl) noexcept {
  static constexpr std::uint8_t kNames[] = {
      6, 's', 'p', 'r', 'o', 'u', 't', 7, 'i', 'n', 'v', 'a', 'l', 'i', 'd', 0,
      10, 'h', 'o', 's', 't', 'm', 'a', 's', 't', 'e', 'r', 6, 's', 'p', 'r', 'o', 'u', 't', 7, 'i', 'n', 'v', 'a', 'l', 'i', 'd', 0};
  std::uint8_t rdata[sizeof kNames + 20];
  std::copy(std::begin(kNames), std::end(kNames), rdata);
  std::uint8_t* p = rdata + sizeof kNames;
  const std::uint32_t numbers[] = {1, 3600, 600, 86400, ttl};
  for (std::uint32_t n : numbers) {
    put32(p, n);
    p += 4;
  }
  w.put16(0xC000 | kHeaderSize);
  w.put16(static_cast<std::uint16_t>(RrType::soa));
  w.put16(kClassIn);
  w.put32(ttl);
  w.put16(sizeof rdata);
  w.put(rdata);
  w.bump_count(kOffNs);
}

// OPT with an Extended DNS Error option saying why (only for clients that speak EDNS).
void add_opt_with_ede(MessageWriter& w, const QueryView& q, const BlockedAnswer& a) noexcept {
  if (!q.has_edns) return;
  const std::uint8_t root = 0;
  const std::size_t text = std::min<std::size_t>(a.ede_text.size(), 200);
  w.put(std::span(&root, 1));
  w.put16(static_cast<std::uint16_t>(RrType::opt));
  w.put16(kMaxForwardUdpSize);
  w.put32(q.dnssec_ok ? kEdnsDo : 0);
  w.put16(static_cast<std::uint16_t>(6 + text));
  w.put16(kEdeOption);
  w.put16(static_cast<std::uint16_t>(2 + text));
  w.put16(a.ede_code);
  w.put(std::span(reinterpret_cast<const std::uint8_t*>(a.ede_text.data()), text));
  w.bump_count(kOffAr);
}

}  // namespace

std::size_t write_blocked(const QueryView& q, const BlockedAnswer& a, std::span<std::uint8_t> out) noexcept {
  MessageWriter w(out);
  const bool is_a = q.qtype == static_cast<std::uint16_t>(RrType::a);
  const bool is_aaaa = q.qtype == static_cast<std::uint16_t>(RrType::aaaa);
  switch (a.kind) {
    case BlockedKind::refused:
      w.start_answer(q, static_cast<std::uint16_t>(Rcode::refused));
      break;
    case BlockedKind::nxdomain:
      w.start_answer(q, static_cast<std::uint16_t>(Rcode::nxdomain));
      add_soa(w, a.ttl);
      break;
    case BlockedKind::address:
      w.start_answer(q, static_cast<std::uint16_t>(Rcode::noerror));
      if (is_a) w.add_record_at_qname(q.qtype, a.ttl, a.v4);
      else if (is_aaaa) w.add_record_at_qname(q.qtype, a.ttl, a.v6);
      else add_soa(w, a.ttl);
      break;
    case BlockedKind::nodata:
      w.start_answer(q, static_cast<std::uint16_t>(Rcode::noerror));
      add_soa(w, a.ttl);
      break;
  }
  add_opt_with_ede(w, q, a);
  return w.size();
}

}  // namespace sprout::dns
