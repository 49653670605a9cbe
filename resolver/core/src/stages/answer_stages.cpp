// Response inspection: a harmless-looking name that leads into a blocked one is blocked.
#include "sprout/core/stages/answer_stages.hpp"

#include <algorithm>

#include "sprout/cache/answer_scan.hpp"
#include "sprout/core/snapshot.hpp"

namespace sprout::core {
namespace {

bool address_blocked(const config::Config& cfg, std::span<const std::uint8_t> answer, const cache::RecordRef& r) {
  config::IpAddress ip;
  if (r.type == static_cast<std::uint16_t>(dns::RrType::a) && r.rdlength == 4) {
    ip = config::IpAddress::from_v4(&answer[r.rdata_offset]);
  } else if (r.type == static_cast<std::uint16_t>(dns::RrType::aaaa) && r.rdlength == 16) {
    ip = config::IpAddress::from_v6(&answer[r.rdata_offset]);
  } else {
    return false;
  }
  return std::any_of(cfg.blocked_answers.begin(), cfg.blocked_answers.end(),
                     [&](const config::IpPrefix& p) { return p.contains(ip); });
}

}  // namespace

// An answer Sprout cannot read cannot be inspected: it never reaches the client unchecked.
Verdict respond_unreadable(QueryContext& q, std::span<std::uint8_t>& answer) {
  q.action = Action::servfail;
  q.respond_error(static_cast<std::uint16_t>(dns::Rcode::servfail));
  answer = q.response();
  return Verdict::respond;
}

Verdict AnswerInspection::on_response(QueryContext& q, std::span<std::uint8_t>& answer) const {
  const Snapshot& snap = *q.snapshot;
  if (q.network == nullptr) return Verdict::next;
  const auto now = snap.clock_now();
  Decision verdict;
  bool blocked = false;
  bool target_unreadable = false;
  const cache::WalkResult walked = cache::walk_records(answer, [&](const cache::RecordRef& r) {
    if (blocked || target_unreadable || r.section != cache::Section::answer) return;
    if (r.type == static_cast<std::uint16_t>(dns::RrType::cname)) {
      // Read into the query's own storage: the decision's matched suffix points into it and
      // is read again when the blocked answer is counted. A target we cannot read is one we
      // cannot check, and a client that reads it differently (forward pointers) would follow it.
      if (dns::read_name(answer, r.rdata_offset, &q.cname_target).error != dns::NameError::ok) {
        target_unreadable = true;
        return;
      }
      Decision d = decide(snap, q.profile(), q.cname_target.view(), q.view.qtype, now);
      apply_pauses(q, q.cname_target.view(), now, d);  // a paused block lifts its CNAME targets too
      if (d.kind == DecisionKind::block) {
        verdict = d;
        blocked = true;
      }
    } else if (!snap.config->blocked_answers.empty() && address_blocked(*snap.config, answer, r)) {
      verdict.kind = DecisionKind::block;
      verdict.reason = Reason::category;
      verdict.ttl_cap = q.decision.ttl_cap;
      blocked = true;
    }
  });
  if (!walked.ok || target_unreadable) return respond_unreadable(q, answer);
  if (!blocked) return Verdict::next;
  q.decision = verdict;
  respond_blocked(q, verdict);
  answer = q.response();
  return Verdict::respond;
}

Verdict TtlClamp::on_response(QueryContext& q, std::span<std::uint8_t>& answer) const {
  const std::uint32_t cap = q.decision.ttl_cap;
  if (cap == UINT32_MAX) return Verdict::next;
  const cache::WalkResult walked = cache::walk_records(answer, [&](const cache::RecordRef& r) {
    if (r.type != static_cast<std::uint16_t>(dns::RrType::opt) && r.ttl > cap) dns::put32(&answer[r.ttl_offset], cap);
  });
  return walked.ok ? Verdict::next : respond_unreadable(q, answer);
}

}  // namespace sprout::core
