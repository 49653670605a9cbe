// PolicyDecision: blocked answers are built here, in the receive loop, without allocation.
#include "sprout/resolver/stages/policy_decision.hpp"

#include "sprout/resolver/decision.hpp"
#include "sprout/resolver/snapshot.hpp"

namespace sprout::resolver {

Verdict PolicyDecision::on_query(QueryContext& q) const {
  const Snapshot& snap = *q.snapshot;
  const Decision d = decide(snap, *q.network, q.view.qname.view(), q.view.qtype, snap.clock_now());
  q.decision = d;
  if (d.kind == DecisionKind::resolve) return Verdict::next;
  dns::BlockedAnswer answer = snap.profiles[q.network->profile].answer;
  if (d.nodata) answer.kind = dns::BlockedKind::nodata;
  answer.ede_text = d.category >= 0 ? std::string_view(snap.config->categories[static_cast<std::size_t>(d.category)].name)
                                    : std::string_view("policy");
  q.response_size = dns::write_blocked(q.view, answer, q.scratch);
  q.source = AnswerSource::synthesized;
  q.action = Action::blocked;
  return Verdict::respond;
}

}  // namespace sprout::resolver
