// Finalize stages: the client's ID and question, then its transport's size limit.
#include "sprout/core/stages/finalize_stages.hpp"

#include <cstring>

#include "sprout/cache/answer_scan.hpp"
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

namespace {

struct OptRecord {
  std::size_t start = 0, end = 0;  // the whole record; end == 0: none
  std::size_t ttl_offset = 0;
};

// The OPT record of `answer`, if any, and where its last record ends (false: the answer
// cannot be read).
bool find_opt(std::span<const std::uint8_t> answer, OptRecord& opt, std::size_t& end) {
  const cache::WalkResult walked = cache::walk_records(answer, [&](const cache::RecordRef& r) {
    if (r.section != cache::Section::additional || r.type != static_cast<std::uint16_t>(dns::RrType::opt)) return;
    if (r.ttl_offset < 5 || answer[r.ttl_offset - 5] != 0) return;  // OPT's owner is the root
    opt = {r.ttl_offset - 5, r.rdata_offset + r.rdlength, r.ttl_offset};
  });
  end = walked.end;
  return walked.ok;
}

// RA: Sprout offers recursion. AA cleared: a relayed or cached answer is not Sprout's authority
// (RFC 1035 4.1.1), whatever the upstream said.
void set_flags(const QueryContext& q, std::span<std::uint8_t> answer) {
  std::uint16_t flags = (dns::get16(&answer[dns::kOffFlags]) | dns::kFlagRa) & ~dns::kFlagAa;
  flags = q.view.rd() ? (flags | dns::kFlagRd) : (flags & ~dns::kFlagRd);
  dns::put16(&answer[dns::kOffFlags], flags);
}

void remove_opt(std::span<std::uint8_t>& answer, const OptRecord& opt) {
  std::memmove(&answer[opt.start], &answer[opt.end], answer.size() - opt.end);
  answer = answer.first(answer.size() - (opt.end - opt.start));
  dns::put16(&answer[dns::kOffAr], static_cast<std::uint16_t>(dns::get16(&answer[dns::kOffAr]) - 1));
}

// Copies the answer into the other buffer with our OPT appended; false if it does not fit.
bool append_opt(QueryContext& q, std::span<std::uint8_t>& answer) {
  constexpr std::size_t kOptSize = 11;
  const std::span<std::uint8_t> out = answer.data() == q.scratch.data() ? q.spare : q.scratch;
  if (answer.size() + kOptSize > out.size()) return false;
  std::memmove(out.data(), answer.data(), answer.size());
  std::uint8_t* p = out.data() + answer.size();
  p[0] = 0;
  dns::put16(p + 1, static_cast<std::uint16_t>(dns::RrType::opt));
  dns::put16(p + 3, dns::kMaxForwardUdpSize);
  dns::put32(p + 5, q.view.dnssec_ok ? dns::kEdnsDo : 0);
  dns::put16(p + 9, 0);
  dns::put16(&out[dns::kOffAr], static_cast<std::uint16_t>(dns::get16(&out[dns::kOffAr]) + 1));
  answer = out.first(answer.size() + kOptSize);
  return true;
}

}  // namespace

Verdict ClientEdns::on_finalize(QueryContext& q, std::span<std::uint8_t>& answer) const {
  if (q.source != AnswerSource::upstream && q.source != AnswerSource::cache) return Verdict::next;  // ours fit already
  if (answer.size() < dns::kHeaderSize) return Verdict::next;
  set_flags(q, answer);
  OptRecord opt;
  std::size_t end = 0;
  if (!find_opt(answer, opt, end)) return Verdict::next;  // inspection already refused what it cannot read
  // Bytes after the last record mean nothing to a client, and an OPT appended after them
  // would be read as part of them (found by fuzz_answer, corpus/answer/regress-opt-after-junk).
  answer = answer.first(end);
  if (opt.end != 0 && !q.view.has_edns) {
    remove_opt(answer, opt);
  } else if (opt.end != 0) {
    dns::put16(&answer[opt.start + 3], dns::kMaxForwardUdpSize);  // our size, not the upstream's
  } else if (q.view.has_edns) {
    (void)append_opt(q, answer);  // no room: the client gets the answer without it
  }
  return Verdict::next;
}

Verdict Truncate::on_finalize(QueryContext& q, std::span<std::uint8_t>& answer) const {
  if (q.stream() || answer.size() <= q.view.max_udp_answer()) return Verdict::next;
  answer = answer.first(dns::truncate_answer(q.view, answer));
  return Verdict::next;
}

}  // namespace sprout::core
