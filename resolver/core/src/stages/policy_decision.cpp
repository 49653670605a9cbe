// PolicyDecision: blocked answers are built here, in the receive loop, without allocation.
#include "sprout/core/stages/policy_decision.hpp"

#include <algorithm>

#include "sprout/core/decision.hpp"
#include "sprout/core/snapshot.hpp"
#include "sprout/core/stages/answer_stages.hpp"

namespace sprout::core {
namespace {

std::string_view ede_text(const Snapshot& snap, const Decision& d) {
  if (d.category >= 0) return snap.config->categories[static_cast<std::size_t>(d.category)].name;
  switch (d.reason) {
    case Reason::bypass: return "bypass";
    case Reason::rebinding: return "rebinding";
    case Reason::deny_override: return "deny";
    case Reason::schedule_block_all:
    case Reason::schedule_allowlist_only: return "schedule";
    default: return "policy";
  }
}

}  // namespace

Verdict PolicyDecision::on_query(QueryContext& q) const {
  const Snapshot& snap = *q.snapshot;
  const auto now = snap.clock_now();
  q.decision = decide(snap, q.profile(), q.view.qname.view(), q.view.qtype, now);
  apply_pauses(q, q.view.qname.view(), now, q.decision);
  // SafeSearch: upstream (and the cache) are asked for the engine's safe host instead;
  // SafeSearchAnswer turns that answer into one for the client's name.
  if (q.decision.kind == DecisionKind::rewrite) q.asked_name = q.decision.rewrite_target;
  if (q.decision.kind != DecisionKind::block) return Verdict::next;
  respond_blocked(q, q.decision);
  return Verdict::respond;
}

void respond_blocked(QueryContext& q, const Decision& d) {
  const Snapshot& snap = *q.snapshot;
  dns::BlockedAnswer answer = snap.profiles[q.profile()].answer;
  if (d.nodata) answer.kind = dns::BlockedKind::nodata;
  else if (d.nxdomain) answer.kind = dns::BlockedKind::nxdomain;
  // No blocked answer may outlive the window that caused it.
  answer.ttl = std::min(answer.ttl, d.ttl_cap);
  answer.ede_text = ede_text(snap, d);
  q.response_size = dns::write_blocked(q.view, answer, q.scratch);
  q.source = AnswerSource::synthesized;
  q.action = Action::blocked;
}

}  // namespace sprout::core
