// Each stage on its own: a QueryContext in, a verdict and the context's changes out.
#include <catch2/catch.hpp>

#include <array>
#include <cstring>

#include "ldns_reader.hpp"
#include "message_builder.hpp"
#include "sprout/core/network_table.hpp"
#include "sprout/core/stages/access_control.hpp"
#include "sprout/core/stages/answer_stages.hpp"
#include "sprout/core/stages/finalize_stages.hpp"
#include "sprout/core/stages/policy_decision.hpp"
#include "sprout/core/stages/proxy_unwrap.hpp"
#include "sprout/core/stages/safesearch_answer.hpp"
#include "sprout/core/snapshot.hpp"
#include "sprout/dns/message_writer.hpp"
#include "sprout/dns/rewrite.hpp"

using namespace sprout;
using core::Verdict;
using test::MessageBuilder;
using test::Section;

namespace {

struct StageFixture {
  std::shared_ptr<core::Snapshot> snap;
  std::vector<std::uint8_t> wire;
  std::array<std::uint8_t, 4096> scratch{}, spare{};
  core::QueryContext q;

  StageFixture() {
    auto cfg = std::make_shared<config::Config>();
    cfg->categories = {{"adult", ""}};
    config::Profile p;
    p.name = "default";
    p.block = {"adult"};
    p.safesearch.google = true;
    cfg->profiles = {p};
    cfg->networks.push_back({"lan", {*config::IpPrefix::parse("127.0.0.0/8")}, "default", {}});
    blocklists::IndexBuilder b(3);
    b.add("adult.example", blocklists::Rule{}, 1, 0);
    snap = std::make_shared<core::Snapshot>(cfg, std::make_shared<blocklists::DomainIndex>(b.build()));
  }
  // A parsed query from 127.0.0.1, network already matched.
  core::QueryContext& query(const char* name, bool edns = false, std::uint16_t flags = 0x0100) {
    auto builder = MessageBuilder::query(name, 1, 0x1234).flags(flags);
    if (edns) builder.opt({.udp_size = 1232});
    wire = builder.bytes;
    q = core::QueryContext{};
    q.wire = wire;
    q.client = *config::IpAddress::parse("127.0.0.1");
    q.snapshot = snap.get();
    q.scratch = scratch;
    q.spare = spare;
    REQUIRE(dns::parse_query(wire, q.view) == dns::ParseStatus::ok);
    q.network = snap->networks.match(q.client);
    return q;
  }
  // An upstream answer for `name` whose one record is `type` with `rdata`.
  static std::vector<std::uint8_t> answer(const char* name, std::uint16_t type, std::span<const std::uint8_t> rdata,
                                          bool opt = false) {
    auto builder = MessageBuilder::query(name, 1, 0x9999);
    if (opt) builder.opt({.udp_size = 4096});
    dns::QueryView v;
    REQUIRE(dns::parse_query(builder.bytes, v) == dns::ParseStatus::ok);
    std::array<std::uint8_t, 1024> buf{};
    dns::MessageWriter w(buf);
    w.start_answer(v, 0);
    w.add_record_at_qname(type, 3600, rdata);
    w.add_opt(v, 0);
    const auto bytes = w.bytes();
    return {bytes.begin(), bytes.end()};
  }
};

const std::uint8_t kAddr[4] = {192, 0, 2, 1};

}  // namespace

TEST_CASE("AccessControl: a known network goes on, anyone else is refused") {
  StageFixture f;
  auto& q = f.query("example.com");
  q.network = nullptr;
  const core::AccessControl stage(f.snap->networks);
  CHECK(stage.on_query(q) == Verdict::next);
  CHECK(q.network != nullptr);
  q.client = *config::IpAddress::parse("192.0.2.9");
  CHECK(stage.on_query(q) == Verdict::respond);
  CHECK(q.action == core::Action::refused);
}

TEST_CASE("PolicyDecision: blocks with an answer, asks upstream for the SafeSearch host") {
  StageFixture f;
  const core::PolicyDecision stage;
  auto& blocked = f.query("www.adult.example");
  CHECK(stage.on_query(blocked) == Verdict::respond);
  CHECK(blocked.action == core::Action::blocked);
  CHECK((dns::get16(&blocked.response()[2]) & 0xf) == 3);
  auto& safe = f.query("www.google.com");
  CHECK(stage.on_query(safe) == Verdict::next);
  CHECK(safe.upstream_name() == "forcesafesearch.google.com");
  auto& plain = f.query("example.com");
  CHECK(stage.on_query(plain) == Verdict::next);
  CHECK(plain.upstream_name() == "example.com");
}

TEST_CASE("AnswerInspection: a CNAME into a blocked name is blocked; an unreadable answer is SERVFAIL") {
  StageFixture f;
  const core::AnswerInspection stage;
  auto& q = f.query("innocent.example");
  std::array<std::uint8_t, 64> target{};
  const std::size_t n = dns::write_wire_name("cdn.adult.example", target);
  auto cloaked = StageFixture::answer("innocent.example", 5, std::span(target.data(), n));
  std::span<std::uint8_t> a(cloaked);
  CHECK(stage.on_response(q, a) == Verdict::respond);
  CHECK(q.action == core::Action::blocked);
  CHECK(a.data() == q.scratch.data());
  // The blocked-domain tally reads the matched suffix later: it must live in the context.
  CHECK(q.decision.matched == "adult.example");
  const auto* held = q.cname_target.view().data();
  CHECK((q.decision.matched.data() >= held && q.decision.matched.data() < held + q.cname_target.view().size()));
  auto& q2 = f.query("innocent.example");
  auto broken = StageFixture::answer("innocent.example", 1, kAddr);
  dns::put16(&broken[6], 5);  // claims five answers, holds one
  std::span<std::uint8_t> b(broken);
  CHECK(stage.on_response(q2, b) == Verdict::respond);
  CHECK(q2.action == core::Action::servfail);
}

// Found by fuzz_answer (corpus/answer/regress-cname-forward-pointer): the CNAME's target could
// not be read, so it was never checked against the policy, and the answer went to the client
// as it was. A client that follows forward pointers would read a target nobody checked.
TEST_CASE("AnswerInspection: a CNAME whose target cannot be read is SERVFAIL, never a pass") {
  StageFixture f;
  const core::AnswerInspection stage;
  for (const auto& rdata : {std::vector<std::uint8_t>{0xC0, 0xFF},           // points past the end
                            std::vector<std::uint8_t>{0xC0, 0x30, 0, 0, 0},  // points forwards
                            std::vector<std::uint8_t>{3, 'c', 'd', 'n'}}) {   // no root label
    auto& q = f.query("innocent.example");
    auto answer = StageFixture::answer("innocent.example", 5, rdata);
    std::span<std::uint8_t> a(answer);
    CHECK(stage.on_response(q, a) == Verdict::respond);
    CHECK(q.action == core::Action::servfail);
    CHECK((dns::get16(&a[2]) & 0xf) == 2);
  }
}

TEST_CASE("TtlClamp: no TTL past the cap; unreadable is SERVFAIL, never a pass") {
  StageFixture f;
  const core::TtlClamp stage;
  auto& q = f.query("example.com");
  q.decision.ttl_cap = 60;
  auto a = StageFixture::answer("example.com", 1, kAddr);
  std::span<std::uint8_t> s(a);
  CHECK(stage.on_response(q, s) == Verdict::next);
  CHECK(dns::get32(&a[a.size() - 4 - 4 - 2]) == 60);  // TTL, rdlength, 4 bytes of rdata
  a.resize(a.size() - 2);
  std::span<std::uint8_t> cut(a);
  CHECK(stage.on_response(q, cut) == Verdict::respond);
  CHECK(q.action == core::Action::servfail);
}

TEST_CASE("SafeSearchAnswer: the safe host's answer becomes the client's, in the other buffer") {
  StageFixture f;
  const core::SafeSearchAnswer stage;
  auto& q = f.query("www.google.com");
  q.asked_name = "forcesafesearch.google.com";
  auto up = StageFixture::answer("forcesafesearch.google.com", 1, kAddr);
  std::span<std::uint8_t> a(up);
  CHECK(stage.on_response(q, a) == Verdict::next);
  CHECK(a.data() == q.scratch.data());
  CHECK(dns::get16(&a[6]) == 2);
  std::memcpy(f.scratch.data(), up.data(), up.size());  // as a cache hit would hold it
  std::span<std::uint8_t> in_scratch(f.scratch.data(), up.size());
  CHECK(stage.on_response(q, in_scratch) == Verdict::next);
  CHECK(in_scratch.data() == q.spare.data());
}

TEST_CASE("RestoreClientView, ClientEdns and Truncate finish what came from elsewhere") {
  StageFixture f;
  auto& q = f.query("Example.COM", false, 0);
  q.source = core::AnswerSource::cache;
  auto a = StageFixture::answer("example.com", 1, kAddr, true);
  dns::put16(&a[2], dns::get16(&a[2]) | dns::kFlagAa);  // the upstream claimed authority
  std::span<std::uint8_t> s(a);
  CHECK(core::RestoreClientView().on_finalize(q, s) == Verdict::next);
  CHECK(dns::get16(&s[0]) == 0x1234);
  CHECK(s[13] == 'E');
  CHECK(core::ClientEdns().on_finalize(q, s) == Verdict::next);
  CHECK(dns::get16(&s[10]) == 0);  // the query had no OPT
  CHECK((dns::get16(&s[2]) & dns::kFlagRa) != 0);
  CHECK((dns::get16(&s[2]) & dns::kFlagRd) == 0);
  CHECK((dns::get16(&s[2]) & dns::kFlagAa) == 0);  // relayed, not Sprout's authority
  auto other = StageFixture::answer("example.org", 1, kAddr);
  std::span<std::uint8_t> o(other);
  CHECK(core::RestoreClientView().on_finalize(q, o) == Verdict::next);
  CHECK(q.action == core::Action::servfail);
  CHECK((dns::get16(&o[2]) & 0xf) == 2);
  std::vector<std::uint8_t> big(700, 0);
  std::memcpy(big.data(), a.data(), s.size());
  std::span<std::uint8_t> b(big);
  CHECK(core::Truncate().on_finalize(q, b) == Verdict::next);
  CHECK(b.size() <= 512);
  CHECK((dns::get16(&b[2]) & dns::kFlagTc) != 0);
  q.transport = core::Transport::tcp;
  std::span<std::uint8_t> whole(big);
  CHECK(core::Truncate().on_finalize(q, whole) == Verdict::next);
  CHECK(whole.size() == 700);
}

// Found by fuzz_answer (corpus/answer/regress-opt-after-junk): the client's OPT was appended
// after upstream's trailing bytes, which a client then read as a broken additional record.
TEST_CASE("ClientEdns: trailing bytes after the last record are dropped before the OPT goes on") {
  StageFixture f;
  auto& q = f.query("example.com", true);
  q.source = core::AnswerSource::upstream;
  auto a = StageFixture::answer("example.com", 1, kAddr);  // no OPT from upstream
  const std::size_t records_end = a.size();
  a.insert(a.end(), {0, 8, 0, 0, 0x2b, 0, 0x0c});        // junk after the last record
  std::span<std::uint8_t> s(a);
  CHECK(core::ClientEdns().on_finalize(q, s) == Verdict::next);
  CHECK(s.size() == records_end + 11);
  CHECK(dns::get16(&s[dns::kOffAr]) == 1);
  const auto read = test::read_message(s);
  REQUIRE(read.message);
  CHECK(read.message->edns);
  CHECK(read.message->answers.size() == 1);
}

// Found by fuzz_answer (corpus/answer/regress-tsig-relayed): an upstream's TSIG reached the
// client, which signed nothing, and sat before the OPT Sprout appended (RFC 8945: TSIG is last).
TEST_CASE("ClientEdns: an upstream's TSIG records never reach the client") {
  // TSIG rdata: algorithm a., time, fudge, MAC size 0, original ID, error, other length 0.
  const std::vector<std::uint8_t> tsig = {1, 'a', 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0};
  for (const bool client_edns : {false, true}) {
    StageFixture f;
    auto& q = f.query("example.com", client_edns);
    q.source = core::AnswerSource::upstream;
    auto a = MessageBuilder::answer("example.com")
                 .a(Section::answer, "example.com", 300)
                 .rr(Section::additional, "", 250, 0, tsig, 255)
                 .opt({.udp_size = 4096})
                 .rr(Section::additional, "", 250, 0, tsig, 255)
                 .bytes;
    std::span<std::uint8_t> s(a);
    CHECK(core::ClientEdns().on_finalize(q, s) == Verdict::next);
    CHECK(dns::get16(&s[dns::kOffAr]) == (client_edns ? 1 : 0));
    const auto read = test::read_message(s);
    REQUIRE(read.message);
    CHECK(read.message->additional.empty());
    CHECK(read.message->edns.has_value() == client_edns);
    CHECK(read.message->answers.size() == 1);
    CHECK(test::ldns::parse(s).get() != nullptr);
    CHECK(ldns_pkt_tsig(test::ldns::parse(s).get()) == nullptr);
  }
}

TEST_CASE("ProxyUnwrap: only a configured front end's header is read, and a bad one is dropped") {
  StageFixture f;
  auto cfg = std::make_shared<config::Config>(*f.snap->config);
  cfg->proxy_protocol = {*config::IpPrefix::parse("127.0.0.100/32")};
  const core::ProxyUnwrap stage(*cfg);
  const auto q0 = MessageBuilder::query("example.com", 1, 7).bytes;
  std::vector<std::uint8_t> wire = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
                                    0x21, 0x11, 0x00, 0x0c, 10, 1, 2, 3, 10, 0, 0, 1, 0x03, 0xe8, 0x00, 0x35};
  wire.insert(wire.end(), q0.begin(), q0.end());
  core::QueryContext q;
  q.wire = wire;
  q.client = *config::IpAddress::parse("127.0.0.100");
  CHECK(stage.on_ingress(q) == Verdict::next);
  CHECK(q.client.to_string() == "10.1.2.3");
  CHECK(q.wire.size() == q0.size());
  core::QueryContext bad;
  std::vector<std::uint8_t> cut(wire.begin(), wire.begin() + 20);
  bad.wire = cut;
  bad.client = *config::IpAddress::parse("127.0.0.100");
  CHECK(stage.on_ingress(bad) == Verdict::drop);
  core::QueryContext other;
  other.wire = wire;
  other.client = *config::IpAddress::parse("127.0.0.5");
  CHECK(stage.on_ingress(other) == Verdict::next);
  CHECK(other.wire.size() == wire.size());  // untouched: it is just a bad query
}
