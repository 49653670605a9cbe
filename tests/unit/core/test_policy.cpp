// Blocked answers, PROXY v2 parsing and the decision order (overrides, lists, categories).
#include <catch2/catch.hpp>

#include <array>

#include "message_builder.hpp"
#include "sprout/dns/synthesized.hpp"
#include "driver_harness.hpp"
#include "sprout/core/proxy_protocol.hpp"

using namespace sprout;
using test::MessageBuilder;
using test::Section;

namespace {

dns::QueryView view_of(const std::vector<std::uint8_t>& wire) {
  dns::QueryView v;
  REQUIRE(dns::parse_query(wire, v) == dns::ParseStatus::ok);
  return v;
}

std::uint16_t rcode(std::span<const std::uint8_t> r) { return dns::get16(&r[2]) & 0xf; }
std::uint16_t count(std::span<const std::uint8_t> r, std::size_t off) { return dns::get16(&r[off]); }

}  // namespace

TEST_CASE("blocked answers: NXDOMAIN with SOA, addresses, NODATA, REFUSED, EDE") {
  std::array<std::uint8_t, 1024> out{};
  auto a_query = MessageBuilder::query("bad.example", 1, 0x0a0a).opt().bytes;
  const auto q = view_of(a_query);
  dns::BlockedAnswer answer;
  answer.ede_text = "gambling";
  answer.ttl = 120;
  SECTION("nxdomain") {
    const auto r = std::span(out.data(), dns::write_blocked(q, answer, out));
    REQUIRE(r.size() > 12);
    CHECK(rcode(r) == 3);
    CHECK(count(r, dns::kOffNs) == 1);
    CHECK(count(r, dns::kOffAr) == 1);
    const std::string text(r.end() - 8, r.end());
    CHECK(text == "gambling");
    CHECK(dns::get16(&r[r.size() - 14]) == 15);  // EDE option code
    CHECK(dns::get16(&r[r.size() - 12]) == 10);  // option length: info-code + text
    CHECK(dns::get16(&r[r.size() - 10]) == 15);  // info-code Blocked
  }
  SECTION("null address for A, :: for AAAA, NODATA for TXT") {
    answer.kind = dns::BlockedKind::address;
    auto r = std::span(out.data(), dns::write_blocked(q, answer, out));
    CHECK(rcode(r) == 0);
    CHECK(count(r, dns::kOffAn) == 1);
    auto aaaa = MessageBuilder::query("bad.example", 28, 0x1234).bytes;
    r = std::span(out.data(), dns::write_blocked(view_of(aaaa), answer, out));
    CHECK(count(r, dns::kOffAn) == 1);
    CHECK(count(r, dns::kOffAr) == 0);  // no EDNS from the client: no OPT, no EDE
    auto txt = MessageBuilder::query("bad.example", 16, 0x1234).bytes;
    r = std::span(out.data(), dns::write_blocked(view_of(txt), answer, out));
    CHECK(count(r, dns::kOffAn) == 0);
    CHECK(count(r, dns::kOffNs) == 1);
  }
  SECTION("refused") {
    answer.kind = dns::BlockedKind::refused;
    auto r = std::span(out.data(), dns::write_blocked(q, answer, out));
    CHECK(rcode(r) == 5);
  }
  SECTION("too small a buffer fails cleanly") {
    CHECK(dns::write_blocked(q, answer, std::span(out.data(), 20)) == 0);
  }
}

TEST_CASE("PROXY v2 headers") {
  std::vector<std::uint8_t> h = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
                                 0x21, 0x12, 0x00, 0x0C, 192, 0, 2, 55, 127, 0, 0, 1, 0x30, 0x39, 0x00, 0x35};
  auto p = core::parse_proxy_v2(h);
  REQUIRE(p.status == core::ProxyStatus::ok);
  CHECK(p.length == 28);
  CHECK(p.source.to_string() == "192.0.2.55");
  CHECK(core::parse_proxy_v2(std::span(h.data(), 20)).status == core::ProxyStatus::incomplete);
  CHECK(core::parse_proxy_v2(std::span(h.data(), 5)).status == core::ProxyStatus::incomplete);
  auto local = h;
  local[12] = 0x20;
  CHECK(core::parse_proxy_v2(local).status == core::ProxyStatus::local);
  auto bad = h;
  bad[3] = 0;
  CHECK(core::parse_proxy_v2(bad).status == core::ProxyStatus::absent);
  auto truncated_family = h;
  truncated_family[13] = 0x00;  // UNSPEC: no address to apply policy to
  CHECK(core::parse_proxy_v2(truncated_family).status == core::ProxyStatus::invalid);
  auto v1 = h;
  v1[12] = 0x11;
  CHECK(core::parse_proxy_v2(v1).status == core::ProxyStatus::invalid);
  std::vector<std::uint8_t> v6(h.begin(), h.begin() + 16);
  v6[13] = 0x22;
  v6[15] = 36;
  for (int i = 0; i < 36; ++i) v6.push_back(i < 15 ? 0 : 1);
  p = core::parse_proxy_v2(v6);
  REQUIRE(p.status == core::ProxyStatus::ok);
  CHECK_FALSE(p.source.v4);
  CHECK(p.source.to_string() == "::1");
}

namespace {

struct PolicyFixture {
  std::shared_ptr<core::Snapshot> snap;
  PolicyFixture() {
    auto cfg = std::make_shared<config::Config>();
    cfg->categories = {{"adult", ""}, {"gambling", ""}, {"school-ok", ""}};
    config::Profile kids;
    kids.name = "kids";
    kids.block = {"adult", "gambling"};
    kids.allow = {"ok.bet.example"};
    kids.deny = {"tiktok.example"};
    config::Profile def;
    def.name = "default";
    cfg->profiles = {def, kids};
    cfg->networks.push_back({"kids", {*config::IpPrefix::parse("127.0.0.2/32")}, "kids", {}});
    cfg->networks.push_back({"all", {*config::IpPrefix::parse("127.0.0.0/8")}, "default", {}});
    blocklists::IndexBuilder b(42);
    const blocklists::Rule block{};
    blocklists::Rule allow{};
    allow.allow = true;
    b.add("bet.example", block, 1u << 1, 0);
    b.add("adult.example", block, 1u << 0, 1);
    b.add("safe.adult.example", allow, 1u << 2, 2);
    auto index = std::make_shared<blocklists::DomainIndex>(b.build());
    snap = std::make_shared<core::Snapshot>(cfg, index);
  }
  core::Decision decide(const char* client, std::string_view name) {
    const auto* net = snap->networks.match(*config::IpAddress::parse(client));
    REQUIRE(net != nullptr);
    return core::decide(*snap, *net, name, 1, std::chrono::system_clock::now());
  }
};

}  // namespace

TEST_CASE("decision order: overrides, allow entries, categories, per network") {
  PolicyFixture f;
  using core::DecisionKind;
  using core::Reason;
  auto d = f.decide("127.0.0.2", "www.bet.example");
  CHECK(d.kind == DecisionKind::block);
  CHECK(d.reason == Reason::category);
  CHECK(d.category == 1);
  CHECK(d.list == 0);
  CHECK(d.matched == "bet.example");
  CHECK(f.decide("127.0.0.1", "www.bet.example").kind == DecisionKind::resolve);  // default profile
  d = f.decide("127.0.0.2", "ok.bet.example");
  CHECK(d.kind == DecisionKind::resolve);
  CHECK(d.reason == Reason::allow_override);
  d = f.decide("127.0.0.2", "x.tiktok.example");
  CHECK(d.kind == DecisionKind::block);
  CHECK(d.reason == Reason::deny_override);
  d = f.decide("127.0.0.2", "a.safe.adult.example");
  CHECK(d.kind == DecisionKind::resolve);
  CHECK(d.reason == Reason::allowlist);
  CHECK(f.decide("127.0.0.2", "adult.example").kind == DecisionKind::block);
  CHECK(f.decide("127.0.0.2", "example").kind == DecisionKind::resolve);
}

TEST_CASE("the engine answers blocked names itself, with the category in EDE") {
  PolicyFixture f;
  test::DriverHarness h(f.snap);
  h.run(MessageBuilder::query("Casino.Bet.Example", 1, 0x5151).opt().bytes, "127.0.0.2");
  REQUIRE(h.sent->answers.size() == 1);
  CHECK(h.observer.actions.back() == core::Action::blocked);
  const auto& r = h.last();
  CHECK(rcode(r) == 3);
  CHECK(dns::get16(&r[0]) == 0x5151);
  CHECK(std::string(r.end() - 8, r.end()) == "gambling");
}

namespace {

// A Tuesday, 2026-12-01, at hh:mm UTC.
std::chrono::system_clock::time_point tuesday(int hh, int mm) {
  return std::chrono::sys_days{std::chrono::year{2026} / 12 / 1} + std::chrono::hours(hh) + std::chrono::minutes(mm);
}

std::shared_ptr<core::Snapshot> scheduled_snapshot() {
  auto cfg = std::make_shared<config::Config>();
  cfg->categories = {{"social", ""}, {"education", ""}, {"bypass", ""}};
  config::Profile kids;
  kids.name = "kids";
  kids.allow = {"always.example"};
  kids.safesearch.google = true;
  config::Schedule school{"school", {{0x1f, 8 * 60, 11 * 60 + 30}}, config::ScheduleMode::add_categories, {"social"}, {}, {}, {}, {}};
  config::Schedule exam{"exam", {{0x1f, 13 * 60, 14 * 60}}, config::ScheduleMode::allowlist_only, {}, {"exam.example"}, {"education"}, {}, {}};
  config::Schedule bed{"bed", {{0x7f, 21 * 60, 6 * 60}}, config::ScheduleMode::block_all, {}, {"wiki.example"}, {}, {}, {}};
  kids.schedules = {school, exam, bed};
  cfg->profiles = {kids};
  cfg->networks.push_back({"kids", {*config::IpPrefix::parse("127.0.0.0/8")}, "kids", {}});
  blocklists::IndexBuilder b(3);
  b.add("social.example", blocklists::Rule{}, 1u << 0, 0);
  b.add("learn.example", blocklists::Rule{}, 1u << 1, 1);
  b.add("dns.bypass.example", blocklists::Rule{}, 1u << 2, 2);
  return std::make_shared<core::Snapshot>(cfg, std::make_shared<blocklists::DomainIndex>(b.build()));
}

core::Decision at(const core::Snapshot& s, std::string_view name, std::chrono::system_clock::time_point t) {
  return core::decide(s, *s.networks.match(*config::IpAddress::parse("127.0.0.1")), name, 1, t);
}

}  // namespace

TEST_CASE("schedules: added categories, exam mode, bedtime, TTL caps and precedence") {
  using core::DecisionKind;
  using core::Reason;
  const auto snap = scheduled_snapshot();
  const core::Snapshot& s = *snap;
  // School hours add social; outside them social resolves.
  CHECK(at(s, "www.social.example", tuesday(9, 0)).kind == DecisionKind::block);
  CHECK(at(s, "www.social.example", tuesday(11, 30)).kind == DecisionKind::resolve);  // the end is exclusive
  CHECK(at(s, "www.social.example", tuesday(8, 0)).kind == DecisionKind::block);      // the start is inclusive
  CHECK(at(s, "www.social.example", tuesday(11, 29)).ttl_cap == 60);                 // never past 11:30
  // Exam mode: only its names and allowed categories resolve; SafeSearch does not leak past it.
  CHECK(at(s, "exam.example", tuesday(13, 30)).reason == Reason::schedule_allow);
  CHECK(at(s, "x.learn.example", tuesday(13, 30)).kind == DecisionKind::resolve);
  CHECK(at(s, "www.google.com", tuesday(13, 30)).reason == Reason::schedule_allowlist_only);
  CHECK(at(s, "www.google.com", tuesday(12, 0)).kind == DecisionKind::rewrite);
  // Bedtime crosses midnight: blocked at 23:00 and 05:59, not at 06:00.
  CHECK(at(s, "example.org", tuesday(23, 0)).reason == Reason::schedule_block_all);
  CHECK(at(s, "example.org", tuesday(5, 59)).kind == DecisionKind::block);
  CHECK(at(s, "example.org", tuesday(6, 0)).kind == DecisionKind::resolve);
  CHECK(at(s, "en.wiki.example", tuesday(23, 0)).kind == DecisionKind::resolve);
  // The admin's allow list beats every window; bypass beats windows and lists.
  CHECK(at(s, "always.example", tuesday(23, 0)).reason == Reason::allow_override);
  CHECK(at(s, "use-application-dns.net", tuesday(12, 0)).reason == Reason::bypass);
  CHECK(at(s, "dns.bypass.example", tuesday(12, 0)).kind == DecisionKind::block);  // bypass category, not in `block`
}

namespace {

// kids block YouTube and Roblox (services are categories of their own name); a weekend window
// allows Roblox; teen only has YouTube's SafeSearch.
std::shared_ptr<core::Snapshot> services_snapshot() {
  auto cfg = std::make_shared<config::Config>();
  cfg->categories = {{"youtube", "YouTube"}, {"roblox", "Roblox"}};
  config::Profile kids{.name = "kids", .services = {"youtube", "roblox"}};
  kids.safesearch.youtube = config::YoutubeMode::strict;
  config::Schedule games{.name = "weekend-games", .windows = {{0x60, 14 * 60, 18 * 60}}, .allow_services = {"roblox"}};
  kids.schedules = {games};
  config::Profile teen{.name = "teen"};
  teen.safesearch.youtube = config::YoutubeMode::strict;
  cfg->profiles = {kids, teen};
  cfg->networks.push_back({"kids", {*config::IpPrefix::parse("127.0.0.1/32")}, "kids", {}});
  cfg->networks.push_back({"teen", {*config::IpPrefix::parse("127.0.0.2/32")}, "teen", {}});
  blocklists::IndexBuilder b(2);
  b.add("youtube.com", blocklists::Rule{}, 1u << 0, 0);
  b.add("roblox.com", blocklists::Rule{}, 1u << 1, 1);
  return std::make_shared<core::Snapshot>(cfg, std::make_shared<blocklists::DomainIndex>(b.build()));
}

core::Decision as(const core::Snapshot& s, const char* client, std::string_view name, std::chrono::system_clock::time_point t) {
  return core::decide(s, *s.networks.match(*config::IpAddress::parse(client)), name, 1, t);
}

}  // namespace

TEST_CASE("services: blocked per profile, allowed in a window, and a blocked service beats SafeSearch") {
  using core::DecisionKind;
  const auto snap = services_snapshot();
  const core::Snapshot& s = *snap;
  const auto saturday = [](int hh, int mm) { return tuesday(hh, mm) + std::chrono::days(4); };
  const auto yt = as(s, "127.0.0.1", "www.youtube.com", tuesday(12, 0));
  CHECK(yt.kind == DecisionKind::block);  // not rewritten to restrict.youtube.com
  CHECK(yt.category == 0);
  CHECK(as(s, "127.0.0.2", "www.youtube.com", tuesday(12, 0)).kind == DecisionKind::rewrite);
  CHECK(as(s, "127.0.0.1", "roblox.com", tuesday(15, 0)).kind == DecisionKind::block);
  CHECK(as(s, "127.0.0.1", "roblox.com", saturday(15, 0)).kind == DecisionKind::resolve);
  CHECK(as(s, "127.0.0.1", "roblox.com", saturday(17, 59)).ttl_cap == 60);  // games end at 18:00
  CHECK(as(s, "127.0.0.1", "roblox.com", saturday(18, 0)).kind == DecisionKind::block);
  CHECK(as(s, "127.0.0.1", "www.youtube.com", saturday(15, 0)).kind == DecisionKind::block);
  CHECK(as(s, "127.0.0.2", "roblox.com", tuesday(15, 0)).kind == DecisionKind::resolve);
}
