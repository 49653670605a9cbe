// Abuse protection stage by stage: token buckets with injected time, client keys per prefix,
// the table's bound, the upstream counts on every way a query ends, rebinding ranges.
#include <catch2/catch.hpp>

#include <array>

#include "driver_harness.hpp"
#include "ldns_reader.hpp"
#include "message_builder.hpp"
#include "sprout/core/client_limits.hpp"
#include "sprout/core/stages/rate_limit.hpp"
#include "sprout/core/stages/rebinding_protection.hpp"
#include "sprout/dns/message_writer.hpp"

using namespace sprout;
using core::Verdict;
using test::MessageBuilder;
using namespace std::chrono_literals;

namespace {

// The clock the tables read: moved by the tests only.
core::SteadyTime g_now = core::SteadyTime{} + 1000s;
core::SteadyTime fake_now() noexcept { return g_now; }

config::IpAddress ip(const char* text) { return *config::IpAddress::parse(text); }

std::shared_ptr<core::Snapshot> snapshot(const std::function<void(config::Config&)>& edit = {}) {
  auto cfg = std::make_shared<config::Config>();
  config::Profile p;
  p.name = "default";
  p.rebinding_allow = {"school.example"};
  config::Profile open = p;
  open.name = "open";
  open.rebinding_protection = false;
  cfg->profiles = {p, open};
  cfg->networks.push_back({"lan", {*config::IpPrefix::parse("127.0.0.0/8"), *config::IpPrefix::parse("fd00::/8")},
                           "default", {}});
  cfg->networks.push_back({"lab", {*config::IpPrefix::parse("10.9.0.0/16")}, "open", {}});
  if (edit) edit(*cfg);
  return std::make_shared<core::Snapshot>(cfg, nullptr);
}

std::uint16_t rcode(const std::vector<std::uint8_t>& m) { return dns::get16(&m[2]) & 0xf; }
bool tc(const std::vector<std::uint8_t>& m) { return (dns::get16(&m[2]) & dns::kFlagTc) != 0; }

// An upstream answer to `name` with one A (4 bytes) or AAAA (16 bytes) record.
std::vector<std::uint8_t> answer_with(const char* name, std::span<const std::uint8_t> address) {
  const std::uint16_t type = address.size() == 4 ? 1 : 28;
  auto q = MessageBuilder::query(name, type, 0x7777).bytes;
  dns::QueryView v;
  REQUIRE(dns::parse_query(q, v) == dns::ParseStatus::ok);
  std::array<std::uint8_t, 512> buf{};
  dns::MessageWriter w(buf);
  w.start_answer(v, 0);
  w.add_record_at_qname(type, 300, address);
  const auto bytes = w.bytes();
  return {bytes.begin(), bytes.end()};
}

}  // namespace

TEST_CASE("token bucket: a burst, then the rate, refilled by injected time and capped at the burst") {
  core::RateTable t(64, 42);
  const core::ClientKey k = core::client_key(ip("192.0.2.1"), {});
  core::SteadyTime now = core::SteadyTime{} + 5s;
  for (int i = 0; i < 3; ++i) CHECK(t.take(k, now, 2, 3));  // burst 3
  CHECK_FALSE(t.take(k, now, 2, 3));
  now += 499ms;  // rate 2/s: not yet a whole token
  CHECK_FALSE(t.take(k, now, 2, 3));
  now += 1ms;
  CHECK(t.take(k, now, 2, 3));
  CHECK_FALSE(t.take(k, now, 2, 3));
  now += 1h;  // a long silence refills to the burst, not beyond
  for (int i = 0; i < 3; ++i) CHECK(t.take(k, now, 2, 3));
  CHECK_FALSE(t.take(k, now, 2, 3));
  // Another client has its own bucket.
  CHECK(t.take(core::client_key(ip("192.0.2.2"), {}), now, 2, 3));
}

TEST_CASE("client keys: IPv4 per /32 and IPv6 per /56 by default, both configurable") {
  const config::RateLimit def;
  CHECK(core::client_key(ip("10.1.2.3"), def) != core::client_key(ip("10.1.2.4"), def));
  CHECK(core::client_key(ip("2001:db8:0:ab00::1"), def) == core::client_key(ip("2001:db8:0:abff:1::2"), def));
  CHECK(core::client_key(ip("2001:db8:0:ab00::1"), def) != core::client_key(ip("2001:db8:0:ac00::1"), def));
  config::RateLimit wide;
  wide.ipv4_prefix = 24;
  wide.ipv6_prefix = 64;
  CHECK(core::client_key(ip("10.1.2.3"), wide) == core::client_key(ip("10.1.2.200"), wide));
  CHECK(core::client_key(ip("10.1.2.3"), wide) != core::client_key(ip("10.1.3.3"), wide));
  CHECK(core::client_key(ip("2001:db8:0:ab00::1"), wide) != core::client_key(ip("2001:db8:0:ab01::1"), wide));
  config::RateLimit odd;
  odd.ipv4_prefix = 20;  // not a byte boundary
  CHECK(core::client_key(ip("10.1.16.1"), odd) == core::client_key(ip("10.1.31.255"), odd));
  CHECK(core::client_key(ip("10.1.16.1"), odd) != core::client_key(ip("10.1.32.1"), odd));
  // An IPv4 client and the IPv6 address that shares its bytes are different clients.
  CHECK(core::client_key(ip("10.1.2.3"), def) != core::client_key(ip("::a01:203"), def));
}

TEST_CASE("the bucket table stays at its size under a spoofed-source flood") {
  core::RateTable t(256, 7);
  const core::SteadyTime now = core::SteadyTime{} + 10s;
  std::array<std::uint8_t, 16> raw{0x20, 0x01, 0x0d, 0xb8};
  for (std::uint32_t i = 0; i < 100000; ++i) {
    raw[4] = static_cast<std::uint8_t>(i >> 16);
    raw[5] = static_cast<std::uint8_t>(i >> 8);
    raw[6] = static_cast<std::uint8_t>(i);
    CHECK(t.take(core::client_key(config::IpAddress::from_v6(raw.data()), {}), now, 100, 200));
  }
  CHECK(t.capacity() == 256);
  CHECK(t.used() == 256);
  CHECK(t.evictions() == 100000 - 256);  // none had refilled: each was the set's oldest
  // Entries that have refilled are taken first, and taking them is no eviction.
  const std::uint64_t before = t.evictions();
  CHECK(t.take(core::client_key(ip("192.0.2.77"), {}), now + 10s, 100, 200));
  CHECK(t.evictions() == before);
}

TEST_CASE("RateLimit: REFUSED over the limit, TC=1 over UDP with truncate, another client unaffected") {
  auto snap = snapshot([](config::Config& c) {
    c.rate_limit.qps = 1;
    c.rate_limit.burst = 2;
  });
  test::DriverHarness h(snap, &fake_now);
  const auto q = MessageBuilder::query("example.com", 1, 0x0a0a).bytes;
  h.run(q, "127.0.0.2");
  h.run(q, "127.0.0.2");
  CHECK(h.upstream.pending.size() == 2);
  h.run(q, "127.0.0.2");
  REQUIRE(h.sent->answers.size() == 1);
  CHECK(rcode(h.last()) == 5);
  CHECK(h.observer.actions.back() == core::Action::refused);
  h.run(q, "127.0.0.3");  // a neighbour keeps its own bucket
  CHECK(h.upstream.pending.size() == 3);
  g_now += 1s;
  h.run(q, "127.0.0.2");
  CHECK(h.upstream.pending.size() == 4);

  auto truncating = snapshot([](config::Config& c) {
    c.rate_limit.qps = 1;
    c.rate_limit.burst = 1;
    c.rate_limit.action = config::RateLimitAction::truncate;
  });
  test::DriverHarness t(truncating, &fake_now);
  t.run(q, "127.0.0.2");
  t.run(q, "127.0.0.2");
  REQUIRE(t.sent->answers.size() == 1);
  CHECK(rcode(t.last()) == 0);
  CHECK(tc(t.last()));
  const auto read = test::parse_message(t.last());
  REQUIRE(read);
  CHECK(read->answers.empty());
  CHECK(read->questions.size() == 1);
  t.run(q, "127.0.0.2", core::Transport::tcp);  // TC=1 means nothing over TCP: REFUSED
  CHECK(rcode(t.last()) == 5);
  CHECK_FALSE(tc(t.last()));
}

TEST_CASE("RateLimit: off with qps 0, and the stage reads the context's tables only") {
  auto snap = snapshot([](config::Config& c) {
    c.rate_limit.qps = 0;
    c.upstream_limit = {.per_client = 0, .total = 0};  // no other limit in the way
  });
  test::DriverHarness h(snap, &fake_now);
  const auto q = MessageBuilder::query("example.com", 1, 1).bytes;
  for (int i = 0; i < 500; ++i) h.run(q, "127.0.0.2");
  CHECK(h.upstream.pending.size() == 500);
  CHECK(h.driver.limits().rate().used() == 0);
}

TEST_CASE("upstream limits: per client and in total, and every way a query ends gives its place back") {
  auto snap = snapshot([](config::Config& c) {
    c.rate_limit.qps = 0;
    c.upstream_limit.per_client = 2;
    c.upstream_limit.total = 3;
  });
  test::DriverHarness h(snap, &fake_now);
  auto& counts = h.driver.limits().upstream();
  const auto a = core::client_key(ip("127.0.0.2"), {});
  const auto q = MessageBuilder::query("example.com", 1, 0x0b0b).bytes;
  h.run(q, "127.0.0.2");
  h.run(q, "127.0.0.2");
  h.run(q, "127.0.0.2");  // third of the same client: SERVFAIL at once, nothing sent upstream
  CHECK(h.upstream.pending.size() == 2);
  REQUIRE(h.sent->answers.size() == 1);
  CHECK(rcode(h.last()) == 2);
  CHECK(counts.of(a) == 2);
  h.run(q, "127.0.0.3");  // another client still gets through, up to the total
  h.run(q, "127.0.0.4");
  CHECK(h.upstream.pending.size() == 3);
  CHECK(rcode(h.last()) == 2);
  CHECK(counts.total() == 3);

  auto reply = MessageBuilder::query("example.com", 1, 0x0b0b).bytes;
  dns::QueryView v;
  REQUIRE(dns::parse_query(reply, v) == dns::ParseStatus::ok);
  std::array<std::uint8_t, 512> buf{};
  dns::MessageWriter w(buf);
  w.start_answer(v, 0);
  const std::uint8_t addr[4] = {192, 0, 2, 1};
  w.add_record_at_qname(1, 60, addr);
  std::vector<std::uint8_t> answered(w.bytes().begin(), w.bytes().end());
  REQUIRE(h.answer(answered));  // answered
  CHECK(counts.total() == 2);
  CHECK(counts.of(a) == 1);
  h.fail();  // failed: every upstream timed out or errored (the net layer's timeout ends here)
  CHECK(counts.total() == 1);
  CHECK(counts.of(a) == 0);
  auto p = std::move(h.upstream.pending.front());
  h.upstream.pending.clear();
  p->driver->upstream_cancelled(std::move(p));  // cancelled: shutting down
  CHECK(counts.total() == 0);
  h.run(q, "127.0.0.2");
  h.upstream.pending.clear();  // a query destroyed any other way (an exception) gives it back too
  CHECK(counts.total() == 0);
  CHECK(counts.of(a) == 0);
}

TEST_CASE("rebinding ranges: loopback, private, link-local, CGNAT, unspecified, and their mapped forms") {
  for (const char* local : {"127.0.0.1", "127.255.255.254", "10.0.0.1", "172.16.0.1", "172.31.255.255",
                            "192.168.1.10", "169.254.169.254", "100.64.0.1", "100.127.255.255", "0.0.0.0",
                            "0.1.2.3", "::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "febf::1",
                            "::ffff:192.168.1.10", "::ffff:127.0.0.1", "::ffff:10.1.1.1"}) {
    INFO(local);
    CHECK(core::is_rebinding_target(ip(local)));
  }
  for (const char* global : {"192.0.2.1", "8.8.8.8", "172.15.255.255", "172.32.0.1", "192.169.0.1",
                             "169.255.0.1", "100.63.255.255", "100.128.0.1", "11.0.0.1", "126.255.255.255",
                             "2001:db8::1", "::2", "fec0::1", "fe7f::1", "::ffff:8.8.8.8", "2606:4700::1111"}) {
    INFO(global);
    CHECK_FALSE(core::is_rebinding_target(ip(global)));
  }
  // AAAA data is read with from_v6: a mapped address is checked as the IPv4 one it carries.
  const std::array<std::uint8_t, 16> mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 0, 1};
  CHECK(core::is_rebinding_target(config::IpAddress::from_v6(mapped.data())));
}

TEST_CASE("RebindingProtection: a public name into a private range is blocked, except allowed names and profiles") {
  auto snap = snapshot();
  test::DriverHarness h(snap, &fake_now);
  const std::uint8_t lan_ip[4] = {192, 168, 1, 10};
  const std::uint8_t public_ip[4] = {192, 0, 2, 1};
  const std::array<std::uint8_t, 16> mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1};
  auto ask = [&](const char* name, std::span<const std::uint8_t> address, const char* client = "127.0.0.2") {
    const std::uint16_t type = address.size() == 4 ? 1 : 28;
    h.run(MessageBuilder::query(name, type, 0x0c0c).opt().bytes, client);
    auto a = answer_with(name, address);
    REQUIRE(h.answer(a));
    return h.last();
  };
  const auto blocked = ask("rebind.example", lan_ip);
  CHECK(rcode(blocked) == 3);  // the profile's block mode (NXDOMAIN)
  CHECK(h.observer.actions.back() == core::Action::blocked);
  const auto read = test::parse_message(blocked);
  REQUIRE(read);
  REQUIRE(read->extended_error());
  CHECK(read->extended_error()->info_code == 15);
  CHECK(read->extended_error()->text == "rebinding");
  CHECK(rcode(ask("rebind6.example", mapped)) == 3);             // AAAA ::ffff:10.0.0.1
  CHECK(rcode(ask("www.example", public_ip)) == 0);              // a public address passes
  CHECK(rcode(ask("printer.school.example", lan_ip)) == 0);      // rebinding_allow
  CHECK(rcode(ask("router.lan", lan_ip)) == 0);                  // a built-in local suffix
  CHECK(rcode(ask("nas.home.arpa", lan_ip)) == 0);
  CHECK(rcode(ask("rebind.example", lan_ip, "10.9.0.5")) == 0);  // rebinding_protection: false
}
