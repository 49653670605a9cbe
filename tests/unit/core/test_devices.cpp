// Per-device identity: dnsmasq's EDNS options in every form, trust, stripping, leases,
// unknown MACs, and the device's profile winning over its network's.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "driver_harness.hpp"
#include "ldns_reader.hpp"
#include "message_builder.hpp"
#include "sprout/blocklists/list_loader.hpp"
#include "sprout/config/loader.hpp"
#include "sprout/core/client_device.hpp"
#include "sprout/core/devices_view.hpp"
#include "sprout/core/explain.hpp"
#include "sprout/dns/query_view.hpp"

using namespace sprout;
using test::MessageBuilder;

namespace {

const config::MacAddress kMacAn{0x02, 0, 0, 0, 0, 0x0a};
const config::MacAddress kMacBo{0x02, 0, 0, 0, 0, 0x0b};

test::Bytes text(std::string_view s) { return {s.begin(), s.end()}; }

std::vector<std::uint8_t> query_with(std::vector<test::EdnsOption> options, const char* name = "games.example") {
  return MessageBuilder::query(name, 1, 0x2222).opt({.udp_size = 1232, .options = std::move(options)}).bytes;
}

dns::QueryView parsed(const std::vector<std::uint8_t>& wire) {
  dns::QueryView v;
  REQUIRE(dns::parse_query(wire, v) == dns::ParseStatus::ok);
  return v;
}

// Two devices with their own profiles on one network whose own profile blocks nothing.
std::shared_ptr<core::Snapshot> home(const std::string& leases = "") {
  auto cfg = std::make_shared<config::Config>();
  cfg->profiles.push_back({.name = "default"});
  cfg->profiles.push_back({.name = "kids", .deny = {"games.example"}});
  cfg->profiles.push_back({.name = "teen", .deny = {"adult.example"}});
  cfg->networks.push_back({.name = "home", .cidrs = {*config::IpPrefix::parse("127.0.0.0/8")}, .profile = "default"});
  cfg->networks.push_back({.name = "lan", .cidrs = {*config::IpPrefix::parse("192.168.1.0/24")}, .profile = "default"});
  cfg->devices.push_back({.name = "tablet-an", .macs = {kMacAn}, .profile = "kids"});
  cfg->devices.push_back({.name = "phone-bo", .macs = {kMacBo}, .profile = "teen"});
  cfg->devices.push_back({.name = "grandma", .cpe_id = "router-7", .profile = "kids"});
  cfg->trusted_forwarders.push_back(*config::IpPrefix::parse("127.0.0.1/32"));
  cfg->dhcp_leases = leases;
  auto snap = std::make_shared<core::Snapshot>(cfg, nullptr);
  snap->directory->refresh_leases();
  return snap;
}

std::uint16_t rcode(const std::vector<std::uint8_t>& m) { return dns::get16(&m[2]) & 0xf; }

struct TempFile {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("sprout-leases-" + std::to_string(::getpid()) + "-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  ~TempFile() { std::filesystem::remove(path); }
  void write(std::string_view s) const { std::ofstream(path, std::ios::trunc) << s; }
};

}  // namespace

TEST_CASE("dnsmasq's MAC option is read in its raw, base64 and text forms", "[devices]") {
  const test::Bytes raw{0x02, 0, 0, 0, 0, 0x0a};
  for (const auto& option : {test::EdnsOption{65001, raw}, test::EdnsOption{65073, text("AgAAAAAK")},
                             test::EdnsOption{65073, text("02:00:00:00:00:0a")}, test::EdnsOption{65073, text("02:00:00:00:00:0A")}}) {
    INFO(option.code << " " << option.data.size());
    const auto v = parsed(query_with({option}));
    CHECK(v.client_options.present);
    CHECK(v.client_options.has_mac);
    CHECK(v.client_options.mac == kMacAn);
    CHECK(v.client_options.malformed == 0);
  }
}

TEST_CASE("the CPE id and a client subnet are read; a query without them has none", "[devices]") {
  const auto w = query_with({{65074, text("router-7")}, {8, {0, 1, 32, 0, 192, 168, 1, 23}}});
  const auto v = parsed(w);
  CHECK(v.client_options.cpe_id(v.wire) == "router-7");
  CHECK(v.client_options.ecs_is_host());
  CHECK(v.client_options.ecs_address[3] == 23);
  CHECK_FALSE(v.client_options.has_mac);
  const auto v6 = parsed(query_with({{8, {0, 2, 56, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0}}}));
  CHECK(v6.client_options.ecs_family == 2);
  CHECK_FALSE(v6.client_options.ecs_is_host());
  const auto plain = parsed(query_with({{10, test::Bytes(8, 7)}}));  // a cookie is not identity
  CHECK_FALSE(plain.client_options.present);
}

TEST_CASE("malformed identity options are ignored and counted, never a FORMERR", "[devices]") {
  const std::vector<std::pair<const char*, std::vector<test::EdnsOption>>> cases{
      {"raw MAC of 5 bytes", {{65001, {2, 0, 0, 0, 0}}}},
      {"raw MAC of 7 bytes", {{65001, {2, 0, 0, 0, 0, 10, 1}}}},
      {"base64 of 7 characters", {{65073, text("AgAAAAA")}}},
      {"base64 with a bad character", {{65073, text("AgAA*AAK")}}},
      {"text with a bad digit", {{65073, text("02:00:00:00:00:0g")}}},
      {"text with mixed separators", {{65073, text("02:00-00:00:00:0a")}}},
      {"two MAC options", {{65001, {2, 0, 0, 0, 0, 10}}, {65073, text("AgAAAAAL")}}},
      {"the same MAC twice", {{65001, {2, 0, 0, 0, 0, 10}}, {65001, {2, 0, 0, 0, 0, 10}}}},
      {"empty CPE id", {{65074, {}}}},
      {"subnet prefix 33 for IPv4", {{8, {0, 1, 33, 0, 1, 2, 3, 4, 5}}}},
      {"subnet address longer than its prefix", {{8, {0, 1, 24, 0, 192, 168, 1, 0}}}},
      {"subnet bits past the prefix", {{8, {0, 1, 23, 0, 192, 168, 1}}}},
      {"subnet of unknown family", {{8, {0, 3, 0, 0}}}},
      {"subnet shorter than its header", {{8, {0, 1}}}},
  };
  for (const auto& [what, options] : cases) {
    INFO(what);
    const auto v = parsed(query_with(options));
    CHECK(v.client_options.present);
    CHECK(v.client_options.malformed + v.client_options.duplicated >= 1);
    CHECK_FALSE(v.client_options.has_mac);
    CHECK(v.client_options.cpe_size == 0);
    CHECK_FALSE(v.client_options.ecs_is_host());
  }
}

TEST_CASE("options overrunning their OPT record are not believed; the query is still answered", "[devices]") {
  auto w = query_with({{65001, {2, 0, 0, 0, 0, 10}}});
  // Claim 8 more option bytes than the record holds (but keep the record inside the message).
  const std::size_t len_at = w.size() - 6 - 4 + 2;  // option length field
  dns::put16(&w[len_at], 14);
  const auto v = parsed(w);
  CHECK(v.client_options.present);
  CHECK(v.client_options.malformed == 1);
  CHECK_FALSE(v.client_options.has_mac);
}

TEST_CASE("identity options are stripped before upstream; other options and records stay", "[devices]") {
  const auto w = query_with({{10, test::Bytes(8, 7)}, {65001, {2, 0, 0, 0, 0, 10}}, {8, {0, 1, 32, 0, 10, 0, 0, 7}},
                             {65074, text("router-7")}, {65073, text("AgAAAAAK")}, {12, test::Bytes(3, 0)}});
  const auto v = parsed(w);
  std::vector<std::uint8_t> out(w.size());
  const std::size_t n = dns::copy_without_client_options(w, v.opt_rdata, v.opt_rdlength, out);
  REQUIRE(n > 0);
  out.resize(n);
  const auto m = test::parse_message(out);
  REQUIRE(m);
  REQUIRE(m->edns);
  REQUIRE(m->edns->options.size() == 2);
  CHECK(m->edns->options[0].code == 10);
  CHECK(m->edns->options[1].code == 12);
  CHECK(m->questions.size() == 1);
  CHECK_FALSE(parsed(out).client_options.present);
}

TEST_CASE("two devices behind one trusted router get their own profiles", "[devices]") {
  test::DriverHarness h(home());
  h.run(query_with({{65001, {2, 0, 0, 0, 0, 0x0a}}}));  // tablet-an: kids blocks games.example
  REQUIRE(h.sent->answers.size() == 1);
  CHECK(rcode(h.last()) == 3);
  h.run(query_with({{65073, text("02:00:00:00:00:0b")}}));  // phone-bo: teen does not
  CHECK(h.sent->answers.size() == 1);
  REQUIRE(h.upstream.pending.size() == 1);
  // What goes upstream carries no MAC.
  const auto up = test::parse_message(h.upstream.pending[0]->upstream_query);
  REQUIRE(up);
  REQUIRE(up->edns);
  CHECK(up->edns->options.empty());
  h.run(query_with({{65001, {2, 0, 0, 0, 0, 0x0b}}}, "adult.example"));  // teen blocks this one
  CHECK(rcode(h.last()) == 3);
  h.run(query_with({}));  // no MAC: the network's profile
  CHECK(h.upstream.pending.size() == 2);
}

TEST_CASE("options from an untrusted sender, malformed or duplicated are ignored and counted per reason", "[devices]") {
  auto snap = home();
  test::DriverHarness h(snap);
  const auto ignored = [&](core::IgnoredOption r) { return h.observer.counters.ignored_options(r); };
  h.run(query_with({{65001, {2, 0, 0, 0, 0, 0x0a}}, {65074, text("router-7")}}), "127.0.0.2");  // a child claiming a MAC
  CHECK(h.sent->answers.empty());
  REQUIRE(h.upstream.pending.size() == 1);
  const auto up = test::parse_message(h.upstream.pending[0]->upstream_query);
  REQUIRE(up);
  CHECK(up->edns->options.empty());  // stripped whoever sent it
  h.fail();  // a query is counted when it is answered
  CHECK(ignored(core::IgnoredOption::untrusted) == 2);  // both options
  h.run(query_with({{65001, {2, 0, 0, 0, 0}}}));  // trusted but malformed
  REQUIRE(h.upstream.pending.size() == 1);  // the network's profile: games.example is not blocked
  h.fail();
  CHECK(ignored(core::IgnoredOption::malformed) == 1);
  CHECK(ignored(core::IgnoredOption::duplicate) == 0);
  h.run(query_with({{65001, {2, 0, 0, 0, 0, 0x0a}}, {65073, text("AgAAAAAL")}}));  // trusted, two MACs: neither believed
  REQUIRE(h.upstream.pending.size() == 1);
  h.fail();
  CHECK(ignored(core::IgnoredOption::duplicate) == 1);
  CHECK(ignored(core::IgnoredOption::malformed) == 1);
  CHECK(ignored(core::IgnoredOption::untrusted) == 2);
  h.run(query_with({{65001, {2, 0, 0, 0, 0, 0x0a}}}));  // well-formed and trusted: nothing more counted
  CHECK(rcode(h.last()) == 3);
  CHECK(ignored(core::IgnoredOption::untrusted) + ignored(core::IgnoredOption::malformed) + ignored(core::IgnoredOption::duplicate) == 4);
  const auto view = core::devices_json(*snap, {7, 8, 9});
  CHECK(view["options_ignored"]["duplicate"] == 9);
  CHECK(core::devices_text(view).find("7 from untrusted senders, 8 malformed, 9 duplicated") != std::string::npos);
}

TEST_CASE("a CPE id names a device; a client subnet from the router is the client", "[devices]") {
  test::DriverHarness h(home());
  h.run(query_with({{65074, text("router-7")}}));
  REQUIRE(h.sent->answers.size() == 1);
  CHECK(rcode(h.last()) == 3);
  h.run(query_with({{8, {0, 1, 32, 0, 10, 9, 9, 9}}}));  // 10.9.9.9 is in no network
  CHECK(rcode(h.last()) == 5);
  h.run(query_with({{8, {0, 1, 32, 0, 10, 9, 9, 9}}}), "127.0.0.2");  // untrusted: 127.0.0.2 it stays
  CHECK(h.sent->answers.size() == 2);
}

TEST_CASE("unknown MACs are kept, bounded, for a parent to name", "[devices]") {
  auto snap = home();
  test::DriverHarness h(snap);
  h.run(query_with({{65001, {2, 0, 0, 0, 0, 0x0c}}}));
  h.run(query_with({{65001, {2, 0, 0, 0, 0, 0x0c}}}));
  auto unknown = snap->directory->unknown();
  REQUIRE(unknown.size() == 1);
  CHECK(config::mac_to_string(unknown[0].mac) == "02:00:00:00:00:0c");
  CHECK(unknown[0].queries == 2);
  core::DeviceDirectory dir("");
  const auto t0 = std::chrono::system_clock::now();
  for (int i = 0; i < 100; ++i) {
    dir.note_unknown({2, 1, 0, 0, 0, static_cast<std::uint8_t>(i)}, "", t0 + std::chrono::seconds(i));
  }
  unknown = dir.unknown();
  CHECK(unknown.size() == core::DeviceDirectory::kMaxUnknown);
  CHECK(unknown.front().mac[5] == 99);  // most recent first; the oldest were forgotten
  CHECK(unknown.back().mac[5] == 100 - core::DeviceDirectory::kMaxUnknown);
  const auto view = core::devices_json(*snap);
  CHECK(view["unknown_seen"].size() == 1);
  CHECK(view["devices"].size() == 3);
}

TEST_CASE("dnsmasq leases files are parsed: IPv4 leases, IPv6 lines skipped", "[devices]") {
  const auto t = core::LeaseTable::parse_dnsmasq(
      "1767225600 02:00:00:00:00:0a 192.168.1.10 tablet-an 01:02:00:00:00:00:0a\n"
      "1767225600 02:00:00:00:00:0d 192.168.1.13 * *\n"
      "duid 00:01:00:01:2c:5e:1a:2b:02:00:00:00:00:01\n"
      "1767225600 1234567 fd00::10 tablet-an 00:01:00:01\n"
      "garbage\n"
      "1767225600 02:00:00:00:00:0e not-an-address x *\n");
  REQUIRE(t.leases().size() == 2);
  CHECK(t.skipped() == 2);
  const core::Lease* l = t.find(*config::IpAddress::parse("192.168.1.10"));
  REQUIRE(l != nullptr);
  CHECK(l->mac == kMacAn);
  CHECK(l->host == "tablet-an");
  CHECK(t.find(*config::IpAddress::parse("192.168.1.13"))->host.empty());
  CHECK(t.find(*config::IpAddress::parse("192.168.1.11")) == nullptr);
}

// An OpenWrt router's odhcpd state file as odhcpd writes it: a DHCPv4 lease (MAC as bare hex,
// iaid "ipv4"), DHCPv6 leases whose DUIDs are LLT, LL and EN (the last names no MAC), a
// delegated prefix, the hosts-file lines odhcpd puts in the same file, and damaged lines.
constexpr std::string_view kOdhcpdState =
    "192.168.1.10\ttablet-an.lan\ttablet-an\n"
    "# br-lan 02000000000a ipv4 tablet-an 1767225600 c0a8010a 32 192.168.1.10/32\n"
    "# br-lan 02000000000d ipv4 - 1767225600 c0a8010d 32 192.168.1.13/32\n"
    "fd00::10\ttablet-an.lan\ttablet-an\n"
    "# br-lan 000100012c5e1a2b02000000000a 5a1b2c3d tablet-an 1767225600 10 128 fd00::10/128 2001:db8:1::10/128\n"
    "# br-lan 0003000102000000000b 1 broken\\x20phone\\x20bo -1 11 128 fd00::11/128\n"
    "# br-lan 0002000000090c0d0e0f10 2 laptop 1767225600 12 128 fd00::12/128\n"
    "# br-lan 000100012c5e1a2b02000000000c 9 router-2 1767225600 1 60 2001:db8:2:10::/60\n"
    "# br-lan 0003000102000000000e 3 - 0 13 128\n"
    "# br-lan nothex 3 - 0 13 128 fd00::14/128\n"
    "# br-lan 02000000000f ipv4 x 1767225600 c0a8010f 32 192.168.1.15/xx\n"
    "# too short\n"
    "\n";

TEST_CASE("odhcpd state files are parsed: IPv4 and IPv6 leases, MACs from DUIDs", "[devices]") {
  CHECK(core::LeaseTable::detect(kOdhcpdState) == core::LeaseFormat::odhcpd);
  CHECK(core::LeaseTable::detect("1767225600 02:00:00:00:00:0a 192.168.1.10 tablet-an *\n") == core::LeaseFormat::dnsmasq);
  const auto t = core::LeaseTable::parse(kOdhcpdState);
  CHECK(t.format() == core::LeaseFormat::odhcpd);
  CHECK(t.skipped() == 3);  // "nothex", "192.168.1.15/xx", "too short"
  REQUIRE(t.leases().size() == 5);
  const core::Lease* v4 = t.find(*config::IpAddress::parse("192.168.1.10"));
  REQUIRE(v4 != nullptr);
  CHECK(v4->mac == kMacAn);
  CHECK(v4->host == "tablet-an");
  CHECK(t.find(*config::IpAddress::parse("192.168.1.13"))->host.empty());
  for (const char* a : {"fd00::10", "2001:db8:1::10"}) {  // DUID-LLT: every address of the lease
    const core::Lease* l = t.find(*config::IpAddress::parse(a));
    REQUIRE(l != nullptr);
    CHECK(l->mac == kMacAn);
    CHECK(l->host == "tablet-an");
  }
  const core::Lease* ll = t.find(*config::IpAddress::parse("fd00::11"));  // DUID-LL, a name odhcpd marked broken
  REQUIRE(ll != nullptr);
  CHECK(ll->mac == kMacBo);
  CHECK(ll->host.empty());
  CHECK(t.find(*config::IpAddress::parse("fd00::12")) == nullptr);           // DUID-EN: no MAC
  CHECK(t.find(*config::IpAddress::parse("2001:db8:2:10::")) == nullptr);    // a delegated prefix
  CHECK(t.find(*config::IpAddress::parse("fd00::14")) == nullptr);
}

TEST_CASE("Sprout on an OpenWrt router: odhcpd's state file names devices, IPv6 included, and is re-read", "[devices]") {
  TempFile f;
  f.write("# br-lan 02000000000a ipv4 tablet-an 1767225600 c0a8010a 32 192.168.1.10/32\n");
  auto snap = home(f.path.string());
  test::DriverHarness h(snap);
  h.run(query_with({}), "192.168.1.10");
  REQUIRE(h.sent->answers.size() == 1);
  CHECK(rcode(h.last()) == 3);  // tablet-an's profile
  CHECK(core::devices_json(*snap)["leases_file"]["format"] == "odhcpd");
  f.write("# br-lan 02000000000b ipv4 phone-bo 1767225600 c0a8010a 32 192.168.1.10/32\n"
          "# br-lan 000100012c5e1a2b02000000000a 5a1b2c3d tablet-an 1767225600 10 128 fd00::10/128\n"
          "# garbage\n");
  REQUIRE(snap->directory->refresh_leases());
  h.run(query_with({}), "192.168.1.10");
  CHECK(h.upstream.pending.size() == 1);  // phone-bo's profile lets games.example through
  CHECK(snap->directory->leases()->find(*config::IpAddress::parse("fd00::10"))->mac == kMacAn);
  const auto view = core::devices_json(*snap);
  CHECK(view["leases_file"]["leases"] == 2);
  CHECK(view["leases_file"]["unreadable_lines"] == 1);
  CHECK(core::devices_text(view).find("(odhcpd): 2 leases, 1 unreadable lines skipped") != std::string::npos);
}

TEST_CASE("Sprout on the router: the leases file maps addresses to devices and is re-read on change", "[devices]") {
  TempFile f;
  f.write("1767225600 02:00:00:00:00:0a 192.168.1.10 tablet-an *\n");
  auto snap = home(f.path.string());
  test::DriverHarness h(snap);
  h.run(query_with({}), "192.168.1.10");
  REQUIRE(h.sent->answers.size() == 1);
  CHECK(rcode(h.last()) == 3);  // tablet-an's profile
  h.run(query_with({}), "192.168.1.11");
  CHECK(h.upstream.pending.size() == 1);  // no lease: the network's profile
  CHECK_FALSE(snap->directory->refresh_leases());  // unchanged
  f.write("1767225600 02:00:00:00:00:0b 192.168.1.10 phone-bo *\n"
          "1767225600 02:00:00:00:00:0a 192.168.1.11 tablet-an *\n");
  CHECK(snap->directory->refresh_leases());
  h.run(query_with({}), "192.168.1.11");
  CHECK(rcode(h.last()) == 3);
  h.run(query_with({}), "192.168.1.10");
  CHECK(h.upstream.pending.size() == 2);
  std::filesystem::remove(f.path);
  CHECK_FALSE(snap->directory->refresh_leases());  // gone: the last table stays
  h.run(query_with({}), "192.168.1.11");
  CHECK(rcode(h.last()) == 3);
}

TEST_CASE("explain names the device and uses its profile", "[devices]") {
  const auto snap = home();
  const auto at = std::chrono::system_clock::now();
  const auto e = core::explain(*snap, *config::IpAddress::parse("127.0.0.1"), "games.example", "A", at,
                               snap->devices.by_name("tablet-an"));
  CHECK(e.device == "tablet-an");
  CHECK(e.profile == "kids");
  CHECK(e.action == "block");
  CHECK(core::to_text(e).find("device:    tablet-an") != std::string::npos);
  const auto n = core::explain(*snap, *config::IpAddress::parse("127.0.0.1"), "games.example", "A", at);
  CHECK(n.profile == "default");
  CHECK(n.action == "resolve");
}

TEST_CASE("explain names the blocked service and its rule", "[devices][services]") {
  auto loaded = config::load_string("profiles: {kids: {services: [tiktok]}}\nnetworks: {home: {cidrs: [127.0.0.0/8], profile: kids}}\n",
                                    "services.yaml");
  REQUIRE(loaded.config);
  auto cfg = std::make_shared<const config::Config>(std::move(*loaded.config));
  auto lists = blocklists::load_lists(*cfg, {.fetch = false});
  REQUIRE(lists.lists.size() == 1);
  CHECK(lists.lists[0].state == blocklists::ListState::ok);
  const core::Snapshot snap(cfg, std::make_shared<blocklists::DomainIndex>(std::move(lists.index)));
  const auto e = core::explain(snap, *config::IpAddress::parse("127.0.0.1"), "www.TikTok.com", "A", std::chrono::system_clock::now());
  CHECK(e.action == "block");
  CHECK(e.category == "tiktok");
  CHECK(e.list == "service-tiktok");
  CHECK(e.matched == "tiktok.com");
  CHECK(e.service == "TikTok");
  CHECK(core::to_text(e).find("(blocked service TikTok)") != std::string::npos);
  // A built-in list names its line too (its text is compiled in, not a file).
  CHECK(e.line > 0);
  CHECK(core::to_text(e).find("entry:     'tiktok.com' in list service-tiktok, line " + std::to_string(e.line) + ", category tiktok") !=
        std::string::npos);
}

TEST_CASE("explain names the matched entry and where it is: the built-in bypass list, the config's deny", "[devices]") {
  auto loaded = config::load_string("lists: {sprout-bypass: {category: bypass, source: \"builtin:bypass\"}}\n"
                                    "categories: {bypass: {}}\n"
                                    "profiles: {kids: {block: [bypass], deny: [bad.example]}}\n"
                                    "networks: {home: {cidrs: [127.0.0.0/8], profile: kids}}\n", "bypass.yaml");
  REQUIRE(loaded.config);
  auto cfg = std::make_shared<const config::Config>(std::move(*loaded.config));
  auto lists = blocklists::load_lists(*cfg, {.fetch = false});
  const core::Snapshot snap(cfg, std::make_shared<blocklists::DomainIndex>(std::move(lists.index)));
  const auto now = std::chrono::system_clock::now();
  const auto e = core::explain(snap, *config::IpAddress::parse("127.0.0.1"), "dns.google", "A", now);
  CHECK(e.list == "sprout-bypass");
  CHECK(e.line > 0);
  const std::string text = core::to_text(e);
  INFO(text);
  CHECK(text.find("rule:      category\nentry:     'dns.google' in list sprout-bypass, line " + std::to_string(e.line) +
                  ", category bypass") != std::string::npos);
  const auto d = core::explain(snap, *config::IpAddress::parse("127.0.0.1"), "www.bad.example", "A", now);
  CHECK(core::to_text(d).find("rule:      deny override\nentry:     'bad.example' in profiles.kids.deny") != std::string::npos);
}

TEST_CASE("a device with labels counts under its labels and network, never its name; without labels, under its network", "[devices]") {
  auto cfg = std::make_shared<config::Config>();
  cfg->profiles.push_back({.name = "default"});
  cfg->profiles.push_back({.name = "kids", .deny = {"games.example"}});
  cfg->networks.push_back({.name = "home", .cidrs = {*config::IpPrefix::parse("127.0.0.0/8")}, .profile = "default",
                           .labels = {{"province", "Hanoi"}, {"room", "hall"}}});
  cfg->networks.push_back({.name = "lan", .cidrs = {*config::IpPrefix::parse("192.168.1.0/24")}, .profile = "default"});
  cfg->devices.push_back({.name = "tablet-an", .macs = {kMacAn}, .profile = "kids", .labels = {{"grade", "6"}, {"room", "an"}}});
  cfg->devices.push_back({.name = "phone-bo", .macs = {kMacBo}, .profile = "kids"});
  cfg->devices.push_back({.name = "tablet-chi", .macs = {config::MacAddress{2, 0, 0, 0, 0, 0x0c}}, .profile = "kids", .labels = {{"grade", "6"}, {"room", "an"}}});
  cfg->trusted_forwarders.push_back(*config::IpPrefix::parse("127.0.0.1/32"));
  const auto units = core::report_units(*cfg);
  REQUIRE(units.size() == 4);  // two networks, then one label group on each
  CHECK(units[2].name == "home / grade=6, room=an");
  CHECK(units[2].labels == std::map<std::string, std::string>{{"grade", "6"}, {"province", "Hanoi"}, {"room", "an"}});
  CHECK(units[3].name == "lan / grade=6, room=an");
  for (const auto& u : units) {
    CHECK(u.name.find("tablet") == std::string::npos);
    CHECK(u.name.find("02:00") == std::string::npos);
  }
  auto snap = std::make_shared<core::Snapshot>(cfg, nullptr);
  test::DriverHarness h(snap);
  h.run(query_with({{65001, {2, 0, 0, 0, 0, 0x0a}}}));  // tablet-an
  h.run(query_with({{65001, {2, 0, 0, 0, 0, 0x0c}}}));  // tablet-chi: the same labels, the same unit
  h.run(query_with({{65001, {2, 0, 0, 0, 0, 0x0b}}}));  // phone-bo: no labels, its network
  h.run(query_with({}));                                // no device: the network's profile, upstream
  REQUIRE(h.upstream.pending.size() == 1);
  h.fail();
  std::map<std::uint16_t, std::uint64_t> by_unit;
  for (const auto& c : h.observer.counters.cells()) by_unit[c.network] += c.count;
  CHECK(by_unit == std::map<std::uint16_t, std::uint64_t>{{0, 2}, {2, 2}});
}

TEST_CASE("the block page's visitor: its DHCP lease, else the kernel's neighbour table, names its device", "[devices]") {
  constexpr std::string_view kArp =
      "IP address       HW type     Flags       HW address            Mask     Device\n"
      "192.168.1.20     0x1         0x2         02:00:00:00:00:0b     *        br-lan\n"
      "192.168.1.21     0x1         0x0         00:00:00:00:00:00     *        br-lan\n"
      "garbage\n";
  CHECK(core::mac_in_arp_table(kArp, *config::IpAddress::parse("192.168.1.20")) == kMacBo);
  CHECK_FALSE(core::mac_in_arp_table(kArp, *config::IpAddress::parse("192.168.1.21")));  // incomplete
  CHECK_FALSE(core::mac_in_arp_table(kArp, *config::IpAddress::parse("192.168.1.22")));
  TempFile leases, arp;
  leases.write("1767225600 02:00:00:00:00:0a 192.168.1.10 tablet-an *\n");
  arp.write(kArp);
  const auto snap = home(leases.path.string());
  CHECK(core::device_at(*snap, *config::IpAddress::parse("192.168.1.10"), arp.path.string())->name == "tablet-an");
  CHECK(core::device_at(*snap, *config::IpAddress::parse("192.168.1.20"), arp.path.string())->name == "phone-bo");
  CHECK(core::device_at(*snap, *config::IpAddress::parse("192.168.1.22"), arp.path.string()) == nullptr);
  CHECK(core::device_at(*snap, *config::IpAddress::parse("192.168.1.20"), "/nonexistent/arp") == nullptr);
}

TEST_CASE("explain as a device shows its pause (the same decision serving makes)", "[devices]") {
  auto snap = home();
  snap->pauses = std::make_shared<core::PauseBook>("");
  const auto at = std::chrono::system_clock::now();
  std::string error;
  REQUIRE(snap->pauses->add({.scope = core::PauseScope::device, .target = "tablet-an", .what = core::PauseWhat::filtering, .item = "",
                             .until = std::chrono::floor<std::chrono::seconds>(at + std::chrono::minutes(10))}, at, error));
  const auto e = core::explain(*snap, *config::IpAddress::parse("127.0.0.1"), "games.example", "A", at,
                               snap->devices.by_name("tablet-an"));
  CHECK(e.action == "resolve");
  CHECK(e.reason == "paused");
  CHECK(e.ttl_cap <= 600);
  const auto other = core::explain(*snap, *config::IpAddress::parse("127.0.0.1"), "adult.example", "A", at,
                                   snap->devices.by_name("phone-bo"));
  CHECK(other.action == "block");  // phone-bo is not paused
}
