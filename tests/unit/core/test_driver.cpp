// The driver: every step of a query, from the bytes received to the bytes sent.
#include <catch2/catch.hpp>

#include <array>

#include "message_builder.hpp"
#include "driver_harness.hpp"
#include "sprout/cache/packet_cache.hpp"
#include "sprout/dns/message_writer.hpp"

using namespace sprout;
using test::MessageBuilder;
using test::Section;

namespace {

std::shared_ptr<core::Snapshot> snapshot_for(std::initializer_list<const char*> cidrs,
                                             const config::SafeSearch& safe = {}) {
  auto cfg = std::make_shared<config::Config>();
  config::Profile p;
  p.name = "default";
  p.safesearch = safe;
  cfg->profiles.push_back(p);
  config::Network n{.name = "lan", .cidrs = {}, .profile = "default", .labels = {}};
  for (const char* c : cidrs) n.cidrs.push_back(*config::IpPrefix::parse(c));
  cfg->networks.push_back(n);
  cfg->proxy_protocol.push_back(*config::IpPrefix::parse("127.0.0.100/32"));
  return std::make_shared<core::Snapshot>(cfg, nullptr);
}

std::uint16_t rcode(const std::vector<std::uint8_t>& m) { return dns::get16(&m[2]) & 0xf; }
std::uint16_t id(const std::vector<std::uint8_t>& m) { return dns::get16(&m[0]); }

// An upstream's answer to `name` A with `records` addresses.
std::vector<std::uint8_t> upstream_answer(const char* name, std::size_t records, std::uint16_t qtype = 1,
                                          bool opt = false) {
  std::array<std::uint8_t, 2048> buf{};
  dns::MessageWriter w(buf);
  auto builder = MessageBuilder::query(name, qtype, 0x1111);
  if (opt) builder.opt({.udp_size = 4096});
  auto uq = builder.bytes;
  dns::QueryView uv;
  (void)dns::parse_query(uq, uv);
  w.start_answer(uv, 0);
  const std::uint8_t addr[4] = {192, 0, 2, 1};
  for (std::size_t i = 0; i < records; ++i) w.add_record_at_qname(1, 300, addr);
  w.add_opt(uv, 0);  // only when the query had one
  const auto bytes = w.bytes();
  return {bytes.begin(), bytes.end()};
}

}  // namespace

TEST_CASE("build_pipeline fixes one order, phase by phase") {
  const auto snap = snapshot_for({"127.0.0.0/8"});
  CHECK(snap->pipeline.describe() == std::vector<std::string>{
                                         "ingress:proxy-v2",
                                         "query:device-identity",
                                         "query:access-control",
                                         "query:rate-limit",
                                         "query:policy",
                                         "query:cache-lookup",
                                         "response:cache-insert",
                                         "response:answer-inspection",
                                         "response:rebinding-protection",
                                         "response:safesearch-answer",
                                         "response:ttl-clamp",
                                         "finalize:restore-client-view",
                                         "finalize:client-edns",
                                         "finalize:truncate",
                                     });
}

TEST_CASE("queries from configured networks go upstream, others are refused") {
  test::DriverHarness h(snapshot_for({"127.0.0.0/8", "fd00::/8"}));
  auto q = MessageBuilder::query("example.com", 1, 0x4242).bytes;
  h.run(q);
  h.run(q, "fd00::5");
  CHECK(h.upstream.pending.size() == 2);
  CHECK(h.sent->answers.empty());
  h.run(q, "192.0.2.7");
  REQUIRE(h.sent->answers.size() == 1);
  CHECK(rcode(h.last()) == 5);
  CHECK(id(h.last()) == 0x4242);
  CHECK(h.observer.actions.back() == core::Action::refused);
  h.run(q, "2001:db8::1");
  CHECK(rcode(h.last()) == 5);
}

TEST_CASE("malformed queries are answered with the ID echoed, or dropped") {
  test::DriverHarness h(snapshot_for({"127.0.0.0/8"}));
  h.run(MessageBuilder::query("a.b", 1, 0x0101).count(test::Section::question, 2).bytes);
  REQUIRE(h.sent->answers.size() == 1);
  CHECK(rcode(h.last()) == 1);
  CHECK(id(h.last()) == 0x0101);
  CHECK(dns::get16(&h.last()[4]) == 0);  // no question echoed when it could not be read
  h.run(MessageBuilder::query("a.b", 1, 0x0202).flags(0x2000).bytes);
  CHECK(rcode(h.last()) == 4);
  h.run(MessageBuilder::query("a.b", 1, 3).flags(0x8000).bytes);
  CHECK(h.sent->drops == 1);
  CHECK(h.observer.actions.back() == core::Action::dropped);
}

TEST_CASE("EDNS version 1 gets BADVERS in the OPT extended rcode") {
  test::DriverHarness h(snapshot_for({"127.0.0.0/8"}));
  h.run(MessageBuilder::query("a.b", 1, 9).opt({.udp_size = 1232, .version = 1}).bytes);
  const auto& r = h.last();
  CHECK(rcode(r) == 0);
  CHECK(dns::get16(&r[10]) == 1);  // one OPT
  const std::size_t opt = r.size() - 11;
  CHECK(dns::get16(&r[opt + 1]) == 41);
  CHECK(r[opt + 5] == 1);  // upper 8 bits of 16 (BADVERS)
  CHECK(r[opt + 6] == 0);  // we speak version 0
}

TEST_CASE("the upstream step: ID and question restored, mismatches rejected, truncation") {
  test::DriverHarness h(snapshot_for({"127.0.0.0/8"}));
  auto q = MessageBuilder::query("Example.COM", 1, 0x7777).opt({.udp_size = 512}).bytes;
  h.run(q);
  h.run(q);
  REQUIRE(h.upstream.pending.size() == 2);
  auto other = upstream_answer("example.org", 1);
  CHECK_FALSE(h.answer(other));  // not what was asked: the upstream I/O tries the next one
  auto ok = upstream_answer("example.com", 1);
  REQUIRE(h.answer(ok));
  CHECK(id(h.last()) == 0x7777);
  CHECK(h.last()[13] == 'E');  // the client's spelling of its question
  auto big = upstream_answer("example.com", 60);
  REQUIRE(h.answer(big));
  const auto& cut = h.last();
  REQUIRE(cut.size() <= 512);
  CHECK((dns::get16(&cut[2]) & dns::kFlagTc) != 0);
  CHECK(dns::get16(&cut[6]) == 0);
}

TEST_CASE("over TCP the same answer is sent whole") {
  test::DriverHarness h(snapshot_for({"127.0.0.0/8"}));
  h.run(MessageBuilder::query("example.com", 1, 5).opt({.udp_size = 512}).bytes, "127.0.0.1", core::Transport::tcp);
  auto big = upstream_answer("example.com", 60);
  REQUIRE(h.answer(big));
  CHECK(h.last().size() == big.size() + 11);  // + the OPT the client asked for
  CHECK((dns::get16(&h.last()[2]) & dns::kFlagTc) == 0);
}

TEST_CASE("the upstream copy caps the advertised EDNS size") {
  test::DriverHarness h(snapshot_for({"127.0.0.0/8"}));
  auto q = MessageBuilder::query("a.b", 1, 0x1234).opt({.udp_size = 65000}).bytes;
  h.run(q);
  REQUIRE(h.upstream.pending.size() == 1);
  const auto sent = h.upstream.pending[0]->upstream_query;
  REQUIRE(sent.size() == q.size());
  dns::QueryView v;
  REQUIRE(dns::parse_query(sent, v) == dns::ParseStatus::ok);
  CHECK(v.edns_udp_size == dns::kMaxForwardUdpSize);
}

TEST_CASE("all upstreams failed: a stale cached answer, else SERVFAIL") {
  auto snap = snapshot_for({"127.0.0.0/8"});
  cache::CacheOptions o;
  o.max_entries = 100;
  o.stale_answer_ttl = std::chrono::seconds(30);
  snap->cache = std::make_shared<cache::PacketCache>(o);
  test::DriverHarness h(snap);
  h.run(MessageBuilder::query("cached.example", 1, 1).bytes);
  auto a = upstream_answer("cached.example", 1);
  REQUIRE(h.answer(a));
  // Fresh: answered from the cache, nothing goes upstream.
  h.run(MessageBuilder::query("cached.example", 1, 2).bytes);
  CHECK(h.upstream.pending.empty());
  CHECK(id(h.last()) == 2);
  h.run(MessageBuilder::query("unknown.example", 1, 3).bytes);
  h.fail();
  CHECK(rcode(h.last()) == 2);
  CHECK(id(h.last()) == 3);
  CHECK(h.observer.actions.back() == core::Action::servfail);
}

TEST_CASE("SafeSearch asks upstream for the safe host and answers the client's name") {
  config::SafeSearch safe;
  safe.google = true;
  test::DriverHarness h(snapshot_for({"127.0.0.0/8"}, safe));
  h.run(MessageBuilder::query("www.google.com", 1, 0x5a5a).bytes);
  REQUIRE(h.upstream.pending.size() == 1);
  dns::QueryView asked;
  REQUIRE(dns::parse_query(h.upstream.pending[0]->upstream_query, asked) == dns::ParseStatus::ok);
  CHECK(asked.qname.view() == "forcesafesearch.google.com");
  auto a = upstream_answer("forcesafesearch.google.com", 1);
  REQUIRE(h.answer(a));
  const auto& r = h.last();
  CHECK(id(r) == 0x5a5a);
  CHECK(dns::get16(&r[6]) == 2);  // CNAME + the safe host's address
  dns::NameText qname;
  REQUIRE(dns::read_name(r, dns::kHeaderSize, &qname).error == dns::NameError::ok);
  CHECK(qname.view() == "www.google.com");
}

TEST_CASE("PROXY v2 from a trusted front end names the client; from others it is a bad query") {
  test::DriverHarness h(snapshot_for({"10.0.0.0/8"}));
  const auto q = MessageBuilder::query("example.com", 1, 7).bytes;
  // PROXY v2, PROXY command, TCP over IPv4: 10.1.2.3:1000 -> 10.0.0.1:53.
  std::vector<std::uint8_t> wire = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
                                    0x21, 0x11, 0x00, 0x0c, 10, 1, 2, 3, 10, 0, 0, 1, 0x03, 0xe8, 0x00, 0x35};
  wire.insert(wire.end(), q.begin(), q.end());
  h.run(wire, "127.0.0.100");
  REQUIRE(h.upstream.pending.size() == 1);
  CHECK(h.upstream.pending[0]->ctx.client.to_string() == "10.1.2.3");
  h.run(wire, "10.9.9.9");  // not a trusted front end: the header makes a malformed query
  CHECK(h.upstream.pending.size() == 1);
}

TEST_CASE("EDNS and RA/RD follow the client's query, not the upstream's or the cache's packet") {
  auto snap = snapshot_for({"127.0.0.0/8"});
  cache::CacheOptions o;
  o.max_entries = 100;
  snap->cache = std::make_shared<cache::PacketCache>(o);
  test::DriverHarness h(snap);
  // Filled by an EDNS query whose upstream answered with an OPT and without RA.
  h.run(MessageBuilder::query("edns.example", 1, 1).opt({.udp_size = 4096}).bytes);
  auto with_opt = upstream_answer("edns.example", 1, 1, true);
  dns::put16(&with_opt[2], dns::get16(&with_opt[2]) & ~dns::kFlagRa);
  REQUIRE(h.answer(with_opt));
  CHECK(dns::get16(&h.last()[10]) == 1);
  CHECK((dns::get16(&h.last()[2]) & dns::kFlagRa) != 0);
  CHECK(dns::get16(&h.last()[h.last().size() - 11 + 3]) == dns::kMaxForwardUdpSize);  // our size
  // A query without EDNS, answered from that cache entry: no OPT.
  h.run(MessageBuilder::query("edns.example", 1, 2).flags(0).bytes);
  CHECK(h.upstream.pending.empty());
  CHECK(dns::get16(&h.last()[10]) == 0);
  CHECK((dns::get16(&h.last()[2]) & dns::kFlagRd) == 0);  // RD copied from the query
  CHECK((dns::get16(&h.last()[2]) & dns::kFlagRa) != 0);
  // Filled without OPT; an EDNS query gets one.
  h.run(MessageBuilder::query("plain.example", 1, 3).bytes);
  auto plain = upstream_answer("plain.example", 1);
  REQUIRE(h.answer(plain));
  CHECK(dns::get16(&h.last()[10]) == 0);
  h.run(MessageBuilder::query("plain.example", 1, 4).opt({.udp_size = 1232}).bytes);
  REQUIRE(h.upstream.pending.empty());
  CHECK(dns::get16(&h.last()[10]) == 1);
  CHECK(dns::get16(&h.last()[h.last().size() - 11 + 1]) == 41);
}

// Found by fuzz_answer (corpus/answer/regress-opcode-not-query): an upstream message with
// another opcode went to the client as the answer to its standard query.
TEST_CASE("an upstream message whose opcode is not QUERY is not an answer") {
  test::DriverHarness h(snapshot_for({"127.0.0.0/8"}));
  h.run(MessageBuilder::query("example.com", 1, 0x4242).bytes);
  REQUIRE(h.upstream.pending.size() == 1);
  auto a = upstream_answer("example.com", 1);
  a[2] = static_cast<std::uint8_t>(a[2] | (7 << 3));  // opcode 7
  CHECK_FALSE(h.answer(a));
  CHECK(h.sent->answers.empty());
  a[2] = static_cast<std::uint8_t>(a[2] & ~(0xF << 3));  // opcode QUERY again
  CHECK(h.answer(a));
  CHECK(h.sent->answers.size() == 1);
}
