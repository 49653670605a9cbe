// Finalize stages: the client's ID and question, then its transport's size limit.
#include "sprout/core/stages/finalize_stages.hpp"

#include "sprout/dns/message_writer.hpp"

namespace sprout::core {

Verdict RestoreClientView::on_finalize(QueryContext& q, std::span<std::uint8_t>& answer) const {
  if (q.source != AnswerSource::upstream && q.source != AnswerSource::cache) return Verdict::next;
  if (dns::restore_client_view(q.view, answer)) return Verdict::next;
  q.action = Action::servfail;
  q.respond_error(static_cast<std::uint16_t>(dns::Rcode::servfail));
  answer = q.response();
  return Verdict::next;
}

Verdict Truncate::on_finalize(QueryContext& q, std::span<std::uint8_t>& answer) const {
  if (q.stream() || answer.size() <= q.view.max_udp_answer()) return Verdict::next;
  answer = answer.first(dns::truncate_answer(q.view, answer));
  return Verdict::next;
}

}  // namespace sprout::core
