// Engine: decisions before upstream, and the finishing of upstream answers.
#include <catch2/catch.hpp>

#include <array>

#include "dns_builder.hpp"
#include "sprout/dns/message_writer.hpp"
#include "sprout/core/engine.hpp"

using namespace sprout;
using test::QueryBuilder;

namespace {

std::shared_ptr<core::Snapshot> snapshot_for(std::initializer_list<const char*> cidrs) {
  auto cfg = std::make_shared<config::Config>();
  config::Profile p;
  p.name = "default";
  cfg->profiles.push_back(p);
  config::Network n{.name = "lan", .cidrs = {}, .profile = "default", .labels = {}};
  for (const char* c : cidrs) n.cidrs.push_back(*config::IpPrefix::parse(c));
  cfg->networks.push_back(n);
  return std::make_shared<core::Snapshot>(cfg, nullptr);
}

struct Fixture {
  std::shared_ptr<core::Snapshot> snap = snapshot_for({"127.0.0.0/8", "fd00::/8"});
  std::array<std::uint8_t, 4096> scratch{};
  core::QueryContext ctx;
  core::Outcome run(const std::vector<std::uint8_t>& wire, const char* client = "127.0.0.1") {
    ctx = core::QueryContext{};
    ctx.client = *config::IpAddress::parse(client);
    ctx.snapshot = snap.get();
    ctx.scratch = scratch;
    return core::handle_query(wire, ctx);
  }
  std::uint16_t rcode() const { return dns::get16(&scratch[2]) & 0xf; }
  std::uint16_t id() const { return dns::get16(&scratch[0]); }
};

}  // namespace

TEST_CASE("queries from configured networks go upstream, others are refused") {
  Fixture f;
  auto q = QueryBuilder(0x4242).name("example.com").type_class().bytes;
  CHECK(f.run(q) == core::Outcome::forward);
  CHECK(f.ctx.network != nullptr);
  CHECK(f.run(q, "fd00::5") == core::Outcome::forward);
  REQUIRE(f.run(q, "192.0.2.7") == core::Outcome::respond);
  CHECK(f.rcode() == 5);
  CHECK(f.id() == 0x4242);
  CHECK(f.ctx.action == core::Action::refused);
  CHECK(f.run(q, "2001:db8::1") == core::Outcome::respond);
}

TEST_CASE("malformed queries are answered with the ID echoed, or dropped") {
  Fixture f;
  auto formerr = QueryBuilder(0x0101).name("a.b").type_class().set16(4, 2).bytes;
  REQUIRE(f.run(formerr) == core::Outcome::respond);
  CHECK(f.rcode() == 1);
  CHECK(f.id() == 0x0101);
  CHECK(dns::get16(&f.scratch[4]) == 0);  // no question echoed when it could not be read
  auto notimp = QueryBuilder(0x0202, 0x2000).name("a.b").type_class().bytes;
  REQUIRE(f.run(notimp) == core::Outcome::respond);
  CHECK(f.rcode() == 4);
  auto response = QueryBuilder(3, 0x8000).name("a.b").type_class().bytes;
  CHECK(f.run(response) == core::Outcome::drop);
}

TEST_CASE("EDNS version 1 gets BADVERS in the OPT extended rcode") {
  Fixture f;
  auto q = QueryBuilder(9).name("a.b").type_class().opt(1232, 1).bytes;
  REQUIRE(f.run(q) == core::Outcome::respond);
  const auto r = f.ctx.response();
  CHECK(f.rcode() == 0);
  CHECK(dns::get16(&r[10]) == 1);     // one OPT
  const std::size_t opt = r.size() - 11;
  CHECK(dns::get16(&r[opt + 1]) == 41);
  CHECK(r[opt + 5] == 1);             // upper 8 bits of 16 (BADVERS)
  CHECK(r[opt + 6] == 0);             // we speak version 0
}

TEST_CASE("upstream answers: ID and question restored, mismatches discarded, truncation") {
  Fixture f;
  auto q = QueryBuilder(0x7777).name("Example.COM").type_class().opt(512).bytes;
  REQUIRE(f.run(q) == core::Outcome::forward);
  std::array<std::uint8_t, 2048> up{};
  auto upstream_answer = [&](const char* name, std::size_t records) {
    dns::MessageWriter w(up);
    auto uq = QueryBuilder(0x1111).name(name).type_class().bytes;
    dns::QueryView uv;
    (void)dns::parse_query(uq, uv);
    w.start_answer(uv, 0);
    const std::uint8_t addr[4] = {192, 0, 2, 1};
    for (std::size_t i = 0; i < records; ++i) w.add_record_at_qname(1, 300, addr);
    return w.bytes();
  };
  auto ok = upstream_answer("example.com", 1);
  auto out = core::finish_answer(f.ctx, ok);
  REQUIRE_FALSE(out.empty());
  CHECK(dns::get16(&out[0]) == 0x7777);
  CHECK(out[13] == 'E');  // the client's spelling of its question
  auto other = upstream_answer("example.org", 1);
  CHECK(core::finish_answer(f.ctx, other).empty());
  auto big = upstream_answer("example.com", 60);
  auto cut = core::finish_answer(f.ctx, big);
  REQUIRE(cut.size() <= 512);
  CHECK((dns::get16(&cut[2]) & dns::kFlagTc) != 0);
  CHECK(dns::get16(&cut[6]) == 0);
}

TEST_CASE("the upstream copy caps the advertised EDNS size") {
  Fixture f;
  auto q = QueryBuilder().name("a.b").type_class().opt(65000).bytes;
  REQUIRE(f.run(q) == core::Outcome::forward);
  std::array<std::uint8_t, 512> out{};
  const std::size_t n = core::prepare_upstream_query(f.ctx, out);
  REQUIRE(n == q.size());
  dns::QueryView v;
  REQUIRE(dns::parse_query(std::span(out.data(), n), v) == dns::ParseStatus::ok);
  CHECK(v.edns_udp_size == dns::kMaxForwardUdpSize);
}
