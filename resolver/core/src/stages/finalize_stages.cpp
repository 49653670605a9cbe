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

struct Record {
  std::size_t start = 0, end = 0;  // the whole record; end == 0: none
  std::size_t ttl_offset = 0;
};

// The first OPT and the first TSIG owned by the root in the additional section, and where the
// last record ends.
struct Additional {
  Record opt, tsig;
  std::size_t end = 0;
};

// False when the answer cannot be read.
bool scan_additional(std::span<const std::uint8_t> answer, Additional& a) {
  a = {};
  const cache::WalkResult walked = cache::walk_records(answer, [&](const cache::RecordRef& r) {
    if (r.section != cache::Section::additional || r.ttl_offset < 5 || answer[r.ttl_offset - 5] != 0) return;
    Record* slot = r.type == static_cast<std::uint16_t>(dns::RrType::opt)    ? &a.opt
                   : r.type == static_cast<std::uint16_t>(dns::RrType::tsig) ? &a.tsig
                                                                              : nullptr;
    if (slot != nullptr && slot->end == 0) *slot = {r.ttl_offset - 5, r.rdata_offset + r.rdlength, r.ttl_offset};
  });
  a.end = walked.end;
  return walked.ok;
}

void remove_record(std::span<std::uint8_t>& answer, const Record& r) {
  std::memmove(&answer[r.start], &answer[r.end], answer.size() - r.end);
  answer = answer.first(answer.size() - (r.end - r.start));
  dns::put16(&answer[dns::kOffAr], static_cast<std::uint16_t>(dns::get16(&answer[dns::kOffAr]) - 1));
}

// RA: Sprout offers recursion. AA cleared: a relayed or cached answer is not Sprout's authority
// (RFC 1035 4.1.1), whatever the upstream said.
void set_flags(const QueryContext& q, std::span<std::uint8_t> answer) {
  std::uint16_t flags = (dns::get16(&answer[dns::kOffFlags]) | dns::kFlagRa) & ~dns::kFlagAa;
  flags = q.view.rd() ? (flags | dns::kFlagRd) : (flags & ~dns::kFlagRd);
  dns::put16(&answer[dns::kOffFlags], flags);
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
  Additional a;
  if (!scan_additional(answer, a)) return Verdict::next;  // inspection already refused what it cannot read
  // Bytes after the last record mean nothing to a client, and an OPT appended after them
  // would be read as part of them (found by fuzz_answer, corpus/answer/regress-opt-after-junk).
  answer = answer.first(a.end);
  // TSIG is hop-by-hop (RFC 8945): an upstream's signature covers a message the client never
  // sent and cannot verify, so it is cut like the upstream's OPT (found by fuzz_answer,
  // corpus/answer/regress-tsig-relayed). Only answers that carry one pay for another walk.
  while (a.tsig.end != 0) {
    remove_record(answer, a.tsig);
    (void)scan_additional(answer, a);
  }
  const Record& opt = a.opt;
  if (opt.end != 0 && !q.view.has_edns) {
    remove_record(answer, opt);
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
