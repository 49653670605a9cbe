// SafeSearchAnswer: composes the client's answer from the safe host's, in a second buffer.
#include "sprout/core/stages/safesearch_answer.hpp"

#include <algorithm>

#include "sprout/dns/rewrite.hpp"

namespace sprout::core {
namespace {

constexpr std::uint32_t kCnameTtl = 300;

}  // namespace

Verdict SafeSearchAnswer::on_response(QueryContext& q, std::span<std::uint8_t>& answer) const {
  if (q.asked_name.empty()) return Verdict::next;
  // The source may be q.scratch (a cache hit): write into the other buffer.
  const std::span<std::uint8_t> out = answer.data() == q.scratch.data() ? q.spare : q.scratch;
  const std::uint32_t ttl = std::min(kCnameTtl, q.decision.ttl_cap);
  const std::size_t size = dns::write_cname_answer(q.view, q.asked_name, ttl, answer, out);
  if (size == 0) return Verdict::drop;  // unreadable or oversized: the driver answers SERVFAIL
  answer = out.first(size);
  return Verdict::next;
}

}  // namespace sprout::core
