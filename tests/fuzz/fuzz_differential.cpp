// Fuzz target (differential): every message Sprout writes for a fuzzed query, read back with
// ldns, an independent parser: the driver's own answers (FORMERR, NOTIMP, BADVERS, REFUSED,
// blocked in every block mode, SafeSearch), forwarded answers after the response stages
// (CNAME rewrite, inspection, truncation), and the synthesized-answer writer directly.
// Byte 0: bits 0-2 client, bit 3 TCP, bits 4-7 the upstream answer's shape; the rest is the query.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "fuzz_world.hpp"
#include "sprout/dns/message_writer.hpp"
#include "sprout/dns/synthesized.hpp"

namespace {

using namespace sprout;

void expect_ok(const std::optional<std::string>& why, std::span<const std::uint8_t> msg) {
  if (!why) return;
  std::fprintf(stderr, "%s\n%s\n", why->c_str(), test::hex_dump(msg).c_str());
  FUZZ_CHECK(!why);
}

// A well-formed upstream answer to `upstream_query`, in one of a few shapes that reach the
// response stages' branches (big answers truncate, CNAMEs and addresses get inspected).
std::vector<std::uint8_t> upstream_answer(std::span<const std::uint8_t> upstream_query, unsigned shape) {
  dns::QueryView v;
  FUZZ_CHECK(dns::parse_query(upstream_query, v) == dns::ParseStatus::ok);
  std::array<std::uint8_t, 4096> buf{};
  dns::MessageWriter w(buf);
  static constexpr std::uint8_t kAddr[4] = {192, 0, 2, 1}, kBlockedAddr[4] = {192, 0, 2, 66};
  static constexpr std::uint8_t kV6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  static constexpr std::uint8_t kToBlocked[] = {7, 'b', 'l', 'o', 'c', 'k', 'e', 'd', 4, 't', 'e', 's', 't', 0};
  static constexpr std::uint8_t kToPlain[] = {3, 'c', 'd', 'n', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
  w.start_answer(v, shape == 4 ? 3 : 0);
  switch (shape % 8) {
    case 0: w.add_record_at_qname(1, 300, kAddr); break;
    case 1:
      for (int i = 0; i < 60; ++i) w.add_record_at_qname(1, 86400 * 30, kAddr);  // over 512 bytes
      break;
    case 2:
      w.add_record_at_qname(5, 300, kToBlocked);
      w.add_record_at_qname(1, 300, kAddr);
      break;
    case 3: w.add_record_at_qname(1, 300, kBlockedAddr); break;
    case 4: break;  // NXDOMAIN without SOA
    case 5: w.add_record_at_qname(28, 0x90000000u, kV6); break;
    case 6:
      w.add_record_at_qname(5, 600, kToPlain);
      w.add_record_at_qname(28, 600, kV6);
      break;
    default: break;  // NOERROR, no records (NODATA without SOA)
  }
  w.add_opt(v, 0);
  FUZZ_CHECK(!w.overflowed());
  const auto bytes = w.bytes();
  return {bytes.begin(), bytes.end()};
}

// The synthesized-answer writer, every kind, with the input as EDE text.
void check_synthesized(std::span<const std::uint8_t> query, std::string_view ede_text) {
  dns::QueryView v;
  const auto status = dns::parse_query(query, v);
  if (status == dns::ParseStatus::drop_short || status == dns::ParseStatus::drop_response) return;
  std::array<std::uint8_t, 4096> out{};
  if (status == dns::ParseStatus::ok) {
    for (auto kind : {dns::BlockedKind::nxdomain, dns::BlockedKind::nodata, dns::BlockedKind::address,
                      dns::BlockedKind::refused}) {
      dns::BlockedAnswer a;
      a.kind = kind;
      a.ede_text = ede_text;
      a.v4 = {192, 0, 2, 80};
      const std::size_t n = dns::write_blocked(v, a, out);
      FUZZ_CHECK(n > 0);
      expect_ok(fuzz::check_answer(query, std::span(out).first(n), false), std::span(out).first(n));
    }
  }
  for (std::uint16_t rcode : {1, 2, 4, 5, 16}) {
    const std::size_t n = dns::write_error(v, rcode, out);
    if (n == 0) continue;
    expect_ok(fuzz::check_answer(query, std::span(out).first(n), false), std::span(out).first(n));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static fuzz::World world;
  auto& h = world.fresh_input();
  const char* client = fuzz::kClients[(data[0] & 7) % fuzz::kClientCount];
  const bool udp = (data[0] & 8) == 0;
  const unsigned shape = data[0] >> 4;
  const std::vector<std::uint8_t> query(data + 1, data + size);
  h.run(query, client, udp ? core::Transport::udp : core::Transport::tcp);
  for (const auto& sent : h.sent->answers) expect_ok(fuzz::check_answer(query, sent, udp), sent);

  if (!h.upstream.pending.empty()) {
    FUZZ_CHECK(h.sent->answers.empty());
    const std::uint16_t qtype = h.upstream.pending.front()->ctx.view.qtype;
    auto answer = upstream_answer(h.upstream.pending.front()->upstream_query, shape);
    FUZZ_CHECK(h.answer(answer));  // a well-formed answer to what was asked is accepted
    FUZZ_CHECK(h.sent->answers.size() <= 1);
    for (const auto& sent : h.sent->answers) {
      expect_ok(fuzz::check_answer(query, sent, udp), sent);
      expect_ok(fuzz::check_not_cloaked(*fuzz::world_snapshot(), client, qtype, sent), sent);
    }
  }
  check_synthesized(query, std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  return 0;
}
