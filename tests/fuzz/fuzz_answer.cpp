// Fuzz target: an untrusted upstream answer through the real response stages (cache insert,
// CNAME/answer inspection, SafeSearch answer, TTL clamp, client view, truncation), then again
// from the cache. Byte 0 picks the query and client; bit 5 splices the rest after the upstream
// query's header and question (so the fuzzer works on records), else the rest is the answer.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "fuzz_check.hpp"
#include "fuzz_world.hpp"
#include "message_builder.hpp"
#include "sprout/cache/answer_scan.hpp"
#include "sprout/dns/name.hpp"
#include "sprout/dns/wire.hpp"

namespace {

using namespace sprout;

struct Asked {
  const char* name;
  std::uint16_t qtype;
};
// Plain names, names SafeSearch rewrites upstream, a CNAME-heavy one; A, AAAA and others.
constexpr Asked kAsked[8] = {{"www.example.com", 1},  {"cdn.example.net", 28}, {"www.google.com", 1},
                             {"www.youtube.com", 28}, {"www.bing.com", 65},    {"mail.example.org", 15},
                             {"a.b.example", 5},      {"example.com", 16}};

void fail_with(const std::optional<std::string>& why, std::span<const std::uint8_t> answer) {
  if (!why) return;
  std::fprintf(stderr, "%s\n%s\n", why->c_str(), test::hex_dump(answer).c_str());
  FUZZ_CHECK(!why);
}

// One sent answer: well-formed for ldns, for this query, and not cloaked.
void check_sent(const std::vector<std::uint8_t>& query, const std::vector<std::uint8_t>& sent, const char* client,
                std::uint16_t qtype, bool udp) {
  fail_with(fuzz::check_answer(query, sent, udp), sent);
  fail_with(fuzz::check_not_cloaked(*fuzz::world_snapshot(), client, qtype, sent), sent);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static fuzz::World world;
  auto& h = world.fresh_input();
  const Asked asked = kAsked[data[0] & 7];
  const char* client = fuzz::kClients[(data[0] >> 3) & 1 ? 1 : 0];
  const bool splice = (data[0] & 0x20) != 0;
  const bool edns = (data[0] & 0x40) != 0;
  const bool udp = (data[0] & 0x80) == 0;
  auto builder = test::MessageBuilder::query(asked.name, asked.qtype, 0x5a5a);
  if (edns) builder.opt({.udp_size = 1232});
  const std::vector<std::uint8_t> query = builder.bytes;
  h.run(query, client, udp ? core::Transport::udp : core::Transport::tcp);
  FUZZ_CHECK(h.upstream.pending.size() == 1 && h.sent->answers.empty());

  // The upstream answer: fuzzed bytes, or fuzzed header + the asked question + fuzzed records.
  const auto up = h.upstream.pending.front()->upstream_query;
  std::vector<std::uint8_t> answer;
  if (splice && size >= 13) {
    answer.assign(data + 1, data + 13);
    dns::put16(&answer[4], 1);
    const std::size_t question_end = dns::skip_name(up, 12).end + 4;
    answer.insert(answer.end(), up.begin() + 12, up.begin() + static_cast<std::ptrdiff_t>(question_end));
    answer.insert(answer.end(), data + 13, data + size);
  } else {
    answer.assign(data + 1, data + size);
  }
  const bool readable = cache::walk_records(answer, [](const cache::RecordRef&) {}).ok;
  // Sprout passes rdata of most types through untouched (RFC 3597): when ldns cannot read
  // upstream's own answer, or reads some record's rdata as another length (then the OPT Sprout
  // appends looks broken to it), only what Sprout itself guarantees is checked on the
  // forwarded one.
  const bool ldns_reads_upstream = test::read_message(answer).message.has_value() && test::ldns_reads_in_step(answer);
  if (!h.answer(answer)) {
    h.fail();  // the upstream I/O's next step when no upstream gave a usable answer
    FUZZ_CHECK(h.sent->answers.size() == 1);
    check_sent(query, h.last(), client, asked.qtype, udp);
    return 0;
  }
  if (h.sent->answers.empty()) return 0;  // dropped
  FUZZ_CHECK(h.sent->answers.size() == 1);
  const auto first = h.last();
  const auto is_servfail = [](std::span<const std::uint8_t> m) {
    return m.size() >= 4 && (m[3] & 0xF) == static_cast<int>(dns::Rcode::servfail);
  };
  // Sprout's own SERVFAIL is checked whole; upstream's relayed SERVFAIL is an answer like any
  // other (its records pass through as they came).
  const bool servfail = is_servfail(first) && !is_servfail(answer);
  if (ldns_reads_upstream || servfail) {
    check_sent(query, first, client, asked.qtype, udp);
  } else {
    FUZZ_CHECK(first.size() >= 12 && dns::get16(first.data()) == 0x5a5a && (first[2] & 0x80) != 0);
  }
  // An answer Sprout cannot read never reaches the client: SERVFAIL instead.
  if (!readable) FUZZ_CHECK(is_servfail(first));

  // The same question again: whatever the cache kept must pass the same checks.
  h.run(query, client, udp ? core::Transport::udp : core::Transport::tcp);
  if (h.sent->answers.size() == 2 && ldns_reads_upstream) check_sent(query, h.last(), client, asked.qtype, udp);
  h.upstream.pending.clear();
  return 0;
}
