// Parse, decide and finish: the Asio-free heart of query handling.
#include "sprout/core/engine.hpp"

#include <algorithm>
#include <cstring>

#include "sprout/dns/message_writer.hpp"
#include "sprout/dns/rewrite.hpp"

namespace sprout::core {

void QueryContext::respond_error(std::uint16_t rcode) noexcept {
  response_size = dns::write_error(view, rcode, scratch);
  source = AnswerSource::synthesized;
}

Outcome handle_query(std::span<const std::uint8_t> wire, QueryContext& q) noexcept {
  using dns::ParseStatus;
  switch (dns::parse_query(wire, q.view)) {
    case ParseStatus::drop_short:
    case ParseStatus::drop_response:
      q.action = Action::dropped;
      return Outcome::drop;
    case ParseStatus::notimp:
      q.action = Action::notimp;
      q.respond_error(static_cast<std::uint16_t>(dns::Rcode::notimp));
      return Outcome::respond;
    case ParseStatus::formerr:
      q.action = Action::formerr;
      q.respond_error(static_cast<std::uint16_t>(dns::Rcode::formerr));
      return Outcome::respond;
    case ParseStatus::badvers:
      q.action = Action::formerr;
      q.respond_error(dns::kRcodeBadVers);
      return Outcome::respond;
    case ParseStatus::ok:
      break;
  }
  try {
    switch (q.snapshot->pipeline.run_query(q)) {
      case Verdict::respond: return Outcome::respond;
      case Verdict::drop: q.action = Action::dropped; return Outcome::drop;
      case Verdict::next: return Outcome::forward;
    }
  } catch (...) {
    // A stage bug must cost one query, never the worker.
  }
  q.action = Action::servfail;
  q.respond_error(static_cast<std::uint16_t>(dns::Rcode::servfail));
  return Outcome::respond;
}

namespace {

constexpr std::uint32_t kRewriteCnameTtl = 300;

// SafeSearch: upstream answered for the safe host; the client gets qname CNAME host + those
// records. c-ares already checked the answer matches the rewritten question.
std::span<std::uint8_t> compose_rewrite(QueryContext& q, std::span<const std::uint8_t> answer) noexcept {
  const std::uint32_t ttl = std::min(kRewriteCnameTtl, q.decision.ttl_cap);
  q.response_size = dns::write_cname_answer(q.view, q.decision.rewrite_target, ttl, answer, q.scratch);
  return q.scratch.first(q.response_size);
}

}  // namespace

std::span<const std::uint8_t> finish_answer(QueryContext& q, std::span<std::uint8_t> answer) noexcept {
  if (q.decision.kind == DecisionKind::rewrite) {
    answer = compose_rewrite(q, answer);
    if (answer.empty()) return {};
  } else if (!dns::restore_client_view(q.view, answer)) {
    return {};
  }
  std::span<std::uint8_t> out = answer;
  try {
    if (q.snapshot->pipeline.run_response(q, answer) == Verdict::respond) out = q.scratch.first(q.response_size);
  } catch (...) {
    q.action = Action::servfail;
    q.respond_error(static_cast<std::uint16_t>(dns::Rcode::servfail));
    out = q.scratch.first(q.response_size);
  }
  if (!q.tcp && out.size() > q.view.max_udp_answer()) {
    return out.first(dns::truncate_answer(q.view, out));
  }
  return out;
}

std::size_t prepare_upstream_query(const QueryContext& ctx, std::span<std::uint8_t> out) noexcept {
  const dns::QueryView& q = ctx.view;
  if (ctx.decision.kind == DecisionKind::rewrite) return dns::write_rewritten_query(q, ctx.decision.rewrite_target, out);
  if (q.wire.size() > out.size()) return 0;
  std::memcpy(out.data(), q.wire.data(), q.wire.size());
  if (q.has_edns && q.edns_udp_size > dns::kMaxForwardUdpSize) {
    dns::put16(&out[q.opt_offset + 3], dns::kMaxForwardUdpSize);  // OPT: root, type, class=size
  }
  return q.wire.size();
}

}  // namespace sprout::core
