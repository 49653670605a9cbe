// RebindingProtection: a browser that asked a public name must not be handed a local address.
#include "sprout/core/stages/rebinding_protection.hpp"

#include <algorithm>

#include "sprout/cache/answer_scan.hpp"
#include "sprout/core/snapshot.hpp"
#include "sprout/core/stages/answer_stages.hpp"

namespace sprout::core {

bool is_rebinding_target(const config::IpAddress& a) noexcept {
  const std::uint8_t* b = a.bytes.data();
  // IPv4, and IPv6 addresses of the IPv4-mapped form (::ffff:a.b.c.d), by their bytes.
  const bool mapped = std::all_of(b, b + 10, [](std::uint8_t c) { return c == 0; }) && b[10] == 0xff && b[11] == 0xff;
  if (a.v4 || mapped) {
    const std::uint8_t x = b[12], y = b[13];
    return x == 0 || x == 10 || x == 127 || (x == 172 && (y & 0xf0) == 16) || (x == 192 && y == 168) ||
           (x == 169 && y == 254) || (x == 100 && (y & 0xc0) == 64);
  }
  if ((b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)) return true;  // ULA, link-local
  return std::all_of(b, b + 15, [](std::uint8_t c) { return c == 0; }) && b[15] <= 1;  // ::, ::1
}

Verdict RebindingProtection::on_response(QueryContext& q, std::span<std::uint8_t>& answer) const {
  if (q.network == nullptr) return Verdict::next;
  const ProfilePolicy& profile = q.snapshot->profiles[q.network->profile];
  if (!profile.rebinding_protection) return Verdict::next;
  bool local = false;
  const cache::WalkResult walked = cache::walk_records(answer, [&](const cache::RecordRef& r) {
    if (local || r.section != cache::Section::answer) return;
    if (r.type == static_cast<std::uint16_t>(dns::RrType::a) && r.rdlength == 4) {
      local = is_rebinding_target(config::IpAddress::from_v4(&answer[r.rdata_offset]));
    } else if (r.type == static_cast<std::uint16_t>(dns::RrType::aaaa) && r.rdlength == 16) {
      local = is_rebinding_target(config::IpAddress::from_v6(&answer[r.rdata_offset]));
    }
  });
  if (!walked.ok) return respond_unreadable(q, answer);
  // The client's name, not the records' owners: a public name with a CNAME into an allowed
  // local name is still a public origin in the browser.
  if (!local || profile.rebinding_allow.lookup(q.view.qname.view(), ~blocklists::CategorySet{0}).verdict ==
                    blocklists::Verdict::allow) {
    return Verdict::next;
  }
  Decision d;
  d.kind = DecisionKind::block;
  d.reason = Reason::rebinding;
  d.ttl_cap = q.decision.ttl_cap;
  q.decision = d;
  q.guard = Guard::rebinding;
  respond_blocked(q, d);
  answer = q.response();
  return Verdict::respond;
}

}  // namespace sprout::core
