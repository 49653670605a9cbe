// End-to-end: what the admin sees of devices. Identity options ignored are counted on
// /metrics by reason; explain takes device=; a device's queries count under its labels in
// reports (never its name or MAC); the block page shows the visitor's device's profile
// (found through odhcpd's leases); every pause change is in the audit log (API and CLI).
#include <catch2/catch.hpp>

#include "resolver_fixture.hpp"

using namespace sprout::e2e;
namespace fs = std::filesystem;

namespace {

constexpr const char* kToken = "e2e-devices-token-0123456789";

std::string devices_config(std::uint16_t upstream, const fs::path& dir, std::uint16_t admin, std::uint16_t page) {
  // odhcpd's state file, as on an OpenWrt router: 127.0.0.3 is tablet-an's DHCPv4 lease.
  write_file(dir / "odhcpd.state", "127.0.0.3\ttablet-an.lan\ttablet-an\n"
                                   "# lo 02000000000a ipv4 tablet-an 1999999999 7f000003 32 127.0.0.3/32\n");
  return "listen: [\"127.0.0.1:0\"]\nworkers: 2\n"
         "upstreams: [{address: 127.0.0.1, port: " + std::to_string(upstream) + ", timeout: 500ms, tries: 1}]\n"
         "state_dir: " + dir.string() + "/state\n"
         "admin: {listen: \"127.0.0.1:" + std::to_string(admin) + "\", token: " + kToken + "}\n"
         "blockpage: {listen: \"127.0.0.1:" + std::to_string(page) + "\"}\n"
         "profiles: {default: {}, kids: {deny: [games.test]}}\n"
         "networks: {home: {cidrs: [127.0.0.0/24], profile: default, labels: {school: THCS-A}}}\n"
         "trusted_forwarders: [127.0.0.1/32]\n"
         "dhcp_leases: " + (dir / "odhcpd.state").string() + "\n"
         "devices: {tablet-an: {macs: [\"02:00:00:00:00:0a\"], profile: kids, labels: {grade: \"6\"}}}\n";
}

std::optional<Reply> ask(std::uint16_t port, std::vector<EdnsOption> options, const std::string& from = "127.0.0.1") {
  Edns e{1232};
  e.options = std::move(options);
  return udp_exchange(build_query(0x5150, "games.test", 1, e), port, 3000ms, from);
}

const EdnsOption kTabletMac{65001, {0x02, 0, 0, 0, 0, 0x0a}};

std::string curl(std::uint16_t port, const std::string& path, const std::string& extra = "") {
  return run_command("curl -s --max-time 5 " + extra + " 'http://127.0.0.1:" + std::to_string(port) + path + "'").output;
}

std::string authed(std::uint16_t admin, const std::string& path) {
  return curl(admin, path, std::string("-H 'Authorization: Bearer ") + kToken + "'");
}

}  // namespace

TEST_CASE("devices in metrics, explain, reports, the block page and the audit log", "[resolver][devices]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  const std::uint16_t admin = free_tcp_port(), page = free_tcp_port();
  Resolver r(dir.path(), devices_config(upstream.port(), dir.path(), admin, page));
  REQUIRE(wait_until([&] { return curl(admin, "/health").starts_with("ok"); }, 5000ms));

  for (int i = 0; i < 6; ++i) {
    const auto a = ask(r.udp_port(), {kTabletMac});  // tablet-an through its router
    REQUIRE(a);
    CHECK(a->rcode() == 3);
  }
  const auto leased = ask(r.udp_port(), {}, "127.0.0.3");  // tablet-an by its odhcpd lease
  REQUIRE(leased);
  CHECK(leased->rcode() == 3);
  // Ignored: a MAC from a client that is not the router, a 5-byte MAC, two MACs.
  for (const auto& [options, from] : {std::pair{std::vector<EdnsOption>{kTabletMac}, "127.0.0.2"},
                                      std::pair{std::vector<EdnsOption>{{65001, {2, 0, 0, 0, 0}}}, "127.0.0.1"},
                                      std::pair{std::vector<EdnsOption>{kTabletMac, {65073, {'A', 'g', 'A', 'A', 'A', 'A', 'A', 'K'}}}, "127.0.0.1"}}) {
    const auto a = ask(r.udp_port(), options, from);
    REQUIRE(a);
    CHECK(a->rcode() == 0);  // the network's profile: games.test resolves
  }

  const std::string metrics = curl(admin, "/metrics");
  INFO(metrics.substr(0, 4000));
  CHECK(metrics.find("sprout_client_options_ignored_total{reason=\"untrusted\"} 1") != std::string::npos);
  CHECK(metrics.find("sprout_client_options_ignored_total{reason=\"malformed\"} 1") != std::string::npos);
  CHECK(metrics.find("sprout_client_options_ignored_total{reason=\"duplicate\"} 1") != std::string::npos);
  CHECK(metrics.find("network=\"home / grade=6\",grade=\"6\",school=\"THCS-A\",category=\"none\",action=\"blocked\"} 7") != std::string::npos);
  CHECK(metrics.find("tablet") == std::string::npos);
  CHECK(metrics.find("02:00:00") == std::string::npos);

  const std::string as_device = authed(admin, "/api/explain?client=127.0.0.1&name=games.test&device=tablet-an");
  INFO(as_device);
  CHECK(as_device.find("\"device\":\"tablet-an\"") != std::string::npos);
  CHECK(as_device.find("\"profile\":\"kids\"") != std::string::npos);
  CHECK(as_device.find("\"action\":\"block\"") != std::string::npos);
  CHECK(authed(admin, "/api/explain?client=127.0.0.1&name=games.test").find("\"profile\":\"default\"") != std::string::npos);
  CHECK(authed(admin, "/api/explain?client=127.0.0.1&name=games.test&device=nobody").find("unknown device 'nobody' (defined: tablet-an)") !=
        std::string::npos);

  const std::string visitor = curl(page, "/", "--interface 127.0.0.3 -H 'Host: games.test'");
  CHECK(visitor.find("Filtering profile: <strong>kids</strong>") != std::string::npos);
  CHECK(curl(page, "/", "-H 'Host: games.test'").find("Filtering profile: <strong>default</strong>") != std::string::npos);

  const std::string day = today_utc();
  std::string report = authed(admin, "/api/report?from=" + day + "&to=" + day + "&format=json&lang=en&scope=grade%3D6");
  INFO(report.substr(0, 3000));
  std::erase_if(report, [](char c) { return c == ' ' || c == '\n'; });
  CHECK(report.find("\"home/grade=6\"") != std::string::npos);
  CHECK(report.find("{\"action\":\"blocked\",\"label\":\"Blocked\",\"count\":7}") != std::string::npos);
  CHECK(report.find("tablet") == std::string::npos);
  CHECK(report.find("02:00:00") == std::string::npos);

  // Pauses, from the CLI and the API, each in the audit log with its principal, before and after.
  const std::string cfg = " --config " + (dir / "sprout.yaml").string();
  REQUIRE(run_command(sproutdns_path() + " pause" + cfg + " --device tablet-an --for 10m").exit_code == 0);
  CHECK(authed(admin, "/api/explain?client=127.0.0.1&name=games.test&device=tablet-an").find("\"reason\":\"paused\"") != std::string::npos);
  const auto paused = ask(r.udp_port(), {kTabletMac});
  REQUIRE(paused);
  CHECK(paused->rcode() == 0);
  CHECK(curl(admin, "/metrics").find("network=\"home / grade=6\",grade=\"6\",school=\"THCS-A\",category=\"none\",action=\"paused\"} 1") !=
        std::string::npos);
  CHECK(curl(admin, "/api/pause?scope=device&target=tablet-an&cancel=1",
             std::string("-X POST -H 'Authorization: Bearer ") + kToken + "'").find("\"cancelled\":1") != std::string::npos);
  std::string audit = authed(admin, "/api/audit?last=10");
  INFO(audit);
  std::erase_if(audit, [](char c) { return c == ' ' || c == '\n'; });
  CHECK(audit.find("\"principal\":\"cli\",\"action\":\"pause\",\"target\":\"devicetablet-an\",\"before\":[],\"after\":[{\"scope\":\"device\"") !=
        std::string::npos);
  CHECK(audit.find("\"principal\":\"token\",\"action\":\"pause-cancel\",\"target\":\"devicetablet-an\",\"before\":[{") != std::string::npos);
  CHECK(audit.find("\"after\":[],\"undoable\":true}") != std::string::npos);  // the API marks what may be undone
  CHECK(curl(admin, "/api/audit").find("bearer token") != std::string::npos);  // token-guarded
  const auto cli = run_command(sproutdns_path() + " audit" + cfg + " --last 1");
  INFO(cli.output);
  CHECK(cli.exit_code == 0);
  CHECK(cli.output.find("  token  pause-cancel  device tablet-an  [{") != std::string::npos);
  CHECK(cli.output.find("  cli  pause  ") == std::string::npos);  // --last 1
  const std::string file = read_file(dir / "state" / "audit.jsonl");
  CHECK(std::count(file.begin(), file.end(), '\n') == 2);
}
