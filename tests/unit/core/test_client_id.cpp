// Client IDs of DoT/DoH: extraction from SNI and path, and the profile an ID picks (roaming
// clients are identified by ID and listener, never by address).
#include <catch2/catch.hpp>

#include "driver_harness.hpp"
#include "message_builder.hpp"
#include "sprout/core/client_id.hpp"
#include "sprout/core/counters.hpp"
#include "sprout/core/explain.hpp"

using namespace sprout;
using core::ClientIdStatus;
using test::MessageBuilder;

TEST_CASE("SNI: one label under the server name is the ID; the server name alone is none", "[client-id]") {
  const auto sni = [](std::string_view s) { return core::client_id_from_sni(s, "dns.example.vn"); };
  CHECK(sni("phone-an.dns.example.vn").status == ClientIdStatus::id);
  CHECK(sni("phone-an.dns.example.vn").id == "phone-an");
  CHECK(sni("Phone-An.DNS.Example.VN.").id == "Phone-An");
  CHECK(sni("dns.example.vn").status == ClientIdStatus::none);
  CHECK(sni("").status == ClientIdStatus::none);
  for (const char* wrong : {"example.vn", "a.b.dns.example.vn", ".dns.example.vn", "xdns.example.vn", "evil.vn",
                            "phone.dns.example.vn.evil", "dns.example.vn.evil"}) {
    INFO(wrong);
    CHECK(sni(wrong).status == ClientIdStatus::wrong_name);
  }
  CHECK(core::client_id_from_sni("anything.example", "").status == ClientIdStatus::none);
}

TEST_CASE("DoH path: /dns-query carries no ID, /dns-query/<id> one, anything else is wrong", "[client-id]") {
  CHECK(core::client_id_from_path("/dns-query").status == ClientIdStatus::none);
  CHECK(core::client_id_from_path("/dns-query/").status == ClientIdStatus::none);
  CHECK(core::client_id_from_path("/dns-query/phone-an").id == "phone-an");
  CHECK(core::client_id_from_path("/dns-query/phone-an/").id == "phone-an");
  for (const char* wrong : {"/", "/dns", "/dns-queryx", "/dns-query/a/b", "/dns-query/a.b", "/other/dns-query", ""}) {
    INFO(wrong);
    CHECK(core::client_id_from_path(wrong).status == ClientIdStatus::wrong_name);
  }
}

namespace {

// Loopback is no network here: an encrypted client is admitted by its ID or its listener only.
std::shared_ptr<core::Snapshot> roaming(config::UnknownClients unknown) {
  auto cfg = std::make_shared<config::Config>();
  cfg->profiles.push_back({.name = "default"});
  cfg->profiles.push_back({.name = "kids", .deny = {"games.example"}});
  cfg->profiles.push_back({.name = "guest", .deny = {"guest-blocked.example"}});
  cfg->networks.push_back({.name = "lan", .cidrs = {*config::IpPrefix::parse("192.168.1.0/24")}, .profile = "default"});
  cfg->dot.push_back({.profile = "guest", .unknown_clients = unknown});
  cfg->doh.push_back({.profile = "default", .unknown_clients = config::UnknownClients::refuse});
  cfg->clients.push_back({.id = "phone-an", .profile = "kids"});
  return std::make_shared<core::Snapshot>(cfg, nullptr);
}

std::uint16_t rcode(const std::vector<std::uint8_t>& m) { return dns::get16(&m[2]) & 0xf; }
constexpr std::uint16_t kNoAnswerYet = 0xffff;  // the query went upstream

struct Asker {
  test::DriverHarness& h;
  std::uint16_t ask(const char* name, core::Transport t, std::string_view id, std::uint16_t listener = 0) {
    test::RecordingResponder r(h.sent);
    const auto q = MessageBuilder::query(name, 1, 0x1234).bytes;
    const std::size_t before = h.sent->answers.size();
    h.driver.run(q, *config::IpAddress::parse("203.0.113.9"), t, r, {listener, id});
    return h.sent->answers.size() == before ? kNoAnswerYet : rcode(h.last());
  }
};

}  // namespace

TEST_CASE("a client ID picks its profile from any address; an unknown ID its listener's", "[client-id]") {
  test::DriverHarness h(roaming(config::UnknownClients::default_profile));
  Asker a{h};
  CHECK(a.ask("games.example", core::Transport::dot, "phone-an") == 3);   // kids: NXDOMAIN
  CHECK(a.ask("games.example", core::Transport::dot, "PHONE-AN") == 3);   // IDs ignore case
  CHECK(a.ask("guest-blocked.example", core::Transport::dot, "phone-an") == kNoAnswerYet);  // allowed: upstream
  CHECK(h.upstream.pending.size() == 1);
  CHECK(a.ask("guest-blocked.example", core::Transport::dot, "someone") == 3);  // the listener's profile
  CHECK(a.ask("guest-blocked.example", core::Transport::dot, "") == 3);
  // The same address over plain UDP is in no network: refused.
  test::RecordingResponder r(h.sent);
  h.driver.run(MessageBuilder::query("games.example", 1, 1).bytes, *config::IpAddress::parse("203.0.113.9"),
               core::Transport::udp, r);
  CHECK(rcode(h.last()) == 5);
}

TEST_CASE("a listener that refuses unknown IDs answers REFUSED; known IDs still pass", "[client-id]") {
  test::DriverHarness h(roaming(config::UnknownClients::refuse));
  Asker a{h};
  CHECK(a.ask("games.example", core::Transport::dot, "stranger") == 5);
  CHECK(a.ask("games.example", core::Transport::dot, "") == 5);
  CHECK(a.ask("games.example", core::Transport::dot, "phone-an") == 3);
  CHECK(a.ask("games.example", core::Transport::doh, "nobody") == 5);     // doh[0] refuses
  CHECK(a.ask("games.example", core::Transport::doh, "phone-an") == 3);
}

TEST_CASE("plain-HTTP DoH behind a proxy: without an ID the forwarded address decides, an ID its profile", "[client-id]") {
  test::DriverHarness h(roaming(config::UnknownClients::refuse));  // doh[0] refuses unknown IDs
  const auto ask = [&](const char* client, std::string_view id) {
    test::RecordingResponder r(h.sent);
    const std::size_t before = h.sent->answers.size();
    h.driver.run(MessageBuilder::query("games.example", 1, 7).bytes, *config::IpAddress::parse(client),
                 core::Transport::doh, r, {0, id, true});
    return h.sent->answers.size() == before ? kNoAnswerYet : rcode(h.last());
  };
  CHECK(ask("192.168.1.5", "") == kNoAnswerYet);  // lan, default profile: upstream
  CHECK(ask("203.0.113.9", "") == 5);             // in no network: refused, as over UDP
  CHECK(ask("203.0.113.9", "phone-an") == 3);     // the ID's profile (kids), whatever the address
  CHECK(ask("192.168.1.5", "nobody") == 5);       // an unknown ID: the listener refuses it
}

TEST_CASE("explain --client-id: the ID's profile and labels, whatever the address", "[client-id]") {
  auto snap = roaming(config::UnknownClients::refuse);
  const auto addr = *config::IpAddress::parse("0.0.0.0");
  const core::NetworkPolicy* id = snap->networks.client("phone-an");
  REQUIRE(id != nullptr);
  const core::Explanation e = core::explain(*snap, addr, "games.example", "A", snap->clock_now(), nullptr, id);
  CHECK(e.client_id == "phone-an");
  CHECK(e.profile == "kids");
  CHECK(e.action == "block");
  CHECK(core::to_text(e).find("client id: phone-an") != std::string::npos);
  CHECK(core::explain(*snap, addr, "games.example", "A", snap->clock_now()).refused);  // by address: in no network
  CHECK(snap->networks.client("nobody") == nullptr);
}

TEST_CASE("a client ID counts in its own report unit, after the networks and the device units", "[client-id]") {
  auto cfg = std::make_shared<config::Config>(*roaming(config::UnknownClients::refuse)->config);
  cfg->devices.push_back({.name = "tablet", .macs = {{2, 0, 0, 0, 0, 1}}, .profile = "kids", .labels = {{"grade", "6"}}});
  const auto snap = std::make_shared<core::Snapshot>(cfg, nullptr);
  const auto units = core::report_units(*cfg);
  REQUIRE(units.size() == 3);  // lan, lan / grade=6, phone-an
  CHECK(units.back().name == "phone-an");
  const core::NetworkPolicy* id = snap->networks.client("phone-an");
  REQUIRE(id != nullptr);
  CHECK(id->index == 2);
  CHECK(core::client_id_unit(*cfg, 0) == 2);
}
