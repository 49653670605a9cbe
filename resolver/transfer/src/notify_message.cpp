// NOTIFY messages with ldns (see notify_message.hpp).
#include "sprout/transfer/notify_message.hpp"

#include <cstring>

#include "ldns_handles.hpp"

namespace sprout::transfer {
using namespace detail;
namespace {

constexpr std::uint8_t kOpcodeNotify = 4;

PktPtr make_answer(const ldns_pkt* req, ldns_pkt_rcode rcode) {
  PktPtr a(ldns_pkt_new());
  ldns_pkt_set_id(a.get(), ldns_pkt_id(req));
  ldns_pkt_set_qr(a.get(), true);
  ldns_pkt_set_aa(a.get(), true);
  ldns_pkt_set_opcode(a.get(), LDNS_PACKET_NOTIFY);
  ldns_pkt_set_rcode(a.get(), rcode);
  const ldns_rr_list* q = ldns_pkt_question(req);
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(q); ++i)
    ldns_pkt_push_rr(a.get(), LDNS_SECTION_QUESTION, ldns_rr_clone(ldns_rr_list_rr(q, i)));
  return a;
}

}  // namespace

bool is_notify(std::span<const std::uint8_t> wire) noexcept {
  return wire.size() >= 12 && (wire[2] & 0x80) == 0 && ((wire[2] >> 3) & 0x0f) == kOpcodeNotify;
}

NotifyAnswer answer_notify(std::span<const std::uint8_t> wire, std::span<std::uint8_t> out, const NotifyPolicy& policy,
                           std::chrono::system_clock::time_point now) {
  NotifyAnswer r;
  ldns_pkt* raw = nullptr;
  if (ldns_wire2pkt(&raw, wire.data(), wire.size()) != LDNS_STATUS_OK) return r;
  PktPtr req(raw);
  const ldns_rr_list* q = ldns_pkt_question(req.get());
  if (ldns_rr_list_rr_count(q) != 1) return r;
  r.zone = name_text(ldns_rr_owner(ldns_rr_list_rr(q, 0)));
  const std::optional<config::TsigKey> key = policy.key_for(r.zone);
  const ldns_rr* tsig = ldns_pkt_tsig(req.get());
  std::string signed_by;
  ldns_pkt_rcode rcode = LDNS_RCODE_NOERROR;
  if (tsig != nullptr) {
    const std::string name = name_text(ldns_rr_owner(tsig));
    if (!key || key->name != name) {
      r.why = "signed with an unknown key (" + name + ")";
      rcode = LDNS_RCODE_NOTAUTH;
    } else if (!ldns_pkt_tsig_verify_next(req.get(), wire.data(), wire.size(), (key->name + ".").c_str(), key->secret.c_str(), nullptr, 0)) {
      r.why = "TSIG check failed (wrong key or altered message)";
      rcode = LDNS_RCODE_NOTAUTH;
    } else if (std::string late = tsig_time_problem(tsig, now); !late.empty()) {
      r.why = "TSIG " + late;
      rcode = LDNS_RCODE_NOTAUTH;
    } else {
      signed_by = name;
    }
  }
  if (rcode == LDNS_RCODE_NOERROR) {
    r.accepted = policy.accept(r.zone, signed_by);
    if (!r.accepted) {
      rcode = LDNS_RCODE_REFUSED;
      r.why = signed_by.empty() && key ? "not signed with the zone's key" : "not from an allowed primary (or a zone not followed)";
    }
  }
  PktPtr answer = make_answer(req.get(), rcode);
  if (!signed_by.empty() && ldns_rr_rd_count(tsig) >= 4) {  // RFC 8945: an answer to a signed request is signed, over the request's MAC
    ldns_pkt_tsig_sign(answer.get(), (key->name + ".").c_str(), key->secret.c_str(), kTsigFudge,
                       algorithm_name(static_cast<int>(key->algorithm)), ldns_rr_rdf(tsig, 3));
  }
  std::uint8_t* bytes = nullptr;
  std::size_t size = 0;
  if (ldns_pkt2wire(&bytes, answer.get(), &size) == LDNS_STATUS_OK && size <= out.size()) {
    std::memcpy(out.data(), bytes, size);
    r.size = size;
  }
  free(bytes);
  return r;
}

}  // namespace sprout::transfer
