// RateLimit: one table lookup per query; over the limit costs an answer no bigger than the query.
#include "sprout/core/stages/rate_limit.hpp"

#include "sprout/core/client_limits.hpp"
#include "sprout/core/snapshot.hpp"
#include "sprout/dns/message_writer.hpp"

namespace sprout::core {

Verdict RateLimit::on_query(QueryContext& q) const {
  const config::RateLimit& rl = q.snapshot->config->rate_limit;
  if (rl.qps == 0 || q.limits == nullptr) return Verdict::next;
  ClientLimits& limits = *q.limits;
  if (limits.rate().take(client_key(q.client, rl), limits.now(), rl.qps, rl.burst)) return Verdict::next;
  q.action = Action::refused;
  if (rl.action == config::RateLimitAction::truncate && !q.stream()) {
    q.guard = Guard::rate_truncated;
    q.respond_error(static_cast<std::uint16_t>(dns::Rcode::noerror));  // header, question, OPT
    if (q.response_size >= dns::kHeaderSize) {
      dns::put16(&q.scratch[dns::kOffFlags], static_cast<std::uint16_t>(dns::get16(&q.scratch[dns::kOffFlags]) | dns::kFlagTc));
    }
    return Verdict::respond;
  }
  q.guard = Guard::rate_refused;
  q.respond_error(static_cast<std::uint16_t>(dns::Rcode::refused));
  return Verdict::respond;
}

}  // namespace sprout::core
