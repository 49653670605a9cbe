// End-to-end: `sproutdns pause` on a device for one minute, at an injected time; the pause
// caps every answer's TTL at its end, survives a restart and ends on time.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "resolver_fixture.hpp"

using namespace sprout::e2e;
namespace fs = std::filesystem;

namespace {

constexpr const char* kToken = "e2e-pause-token-0123456789";

std::string pause_config(std::uint16_t upstream, const fs::path& dir, std::uint16_t admin) {
  return "listen: [\"127.0.0.1:0\"]\nworkers: 1\n"
         "upstreams: [{address: 127.0.0.1, port: " + std::to_string(upstream) + ", timeout: 500ms, tries: 1}]\n"
         "state_dir: " + dir.string() + "/state\n"
         "admin: {listen: \"127.0.0.1:" + std::to_string(admin) + "\", token: " + kToken + "}\n"
         "profiles: {kids: {deny: [games.test]}}\n"
         "networks: {home: {cidrs: [127.0.0.1/32]}}\n"
         "trusted_forwarders: [127.0.0.1/32]\n"
         "devices: {tablet-an: {macs: [\"02:00:00:00:00:0a\"], profile: kids}}\n";
}

// games.test A as tablet-an's router would send it (dnsmasq --add-mac).
std::optional<Reply> ask_as_tablet(std::uint16_t port) {
  Edns e{1232};
  e.options.push_back({65001, {0x02, 0, 0, 0, 0, 0x0a}});
  return udp_exchange(build_query(0x7a11, "games.test", 1, e), port);
}

}  // namespace

TEST_CASE("a one-minute pause of a device ends on time, across a restart", "[resolver][pause]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  const std::uint16_t admin = free_tcp_port();
  const std::string config = pause_config(upstream.port(), dir.path(), admin);
  const std::string cli = sproutdns_path() + " pause --config " + (dir / "sprout.yaml").string() + " ";
  {
    FakeTime at("2026-12-01T08:00:00Z");
    Resolver r(dir.path(), config);
    auto before = ask_as_tablet(r.udp_port());
    REQUIRE(before);
    CHECK(before->rcode() == 3);  // kids: blocked
    CommandResult paused;
    // The admin API comes up just after the DNS listeners: retry until it answers.
    REQUIRE(wait_until([&] { return (paused = run_command(cli + "--device tablet-an --for 1m")).exit_code == 0; }, 5000ms));
    INFO(paused.output);
    CHECK(paused.output.find("\"until\":\"2026-12-01T08:01:00Z\"") != std::string::npos);
    auto during = ask_as_tablet(r.udp_port());
    REQUIRE(during);
    CHECK(during->rcode() == 0);
    REQUIRE(during->answers.size() == 1);
    CHECK(during->answers[0].ttl <= 60);  // capped at the pause's end
    CHECK(run_command(cli + "--device nobody --for 1m").exit_code == 1);
    CHECK(run_command(cli + "--device tablet-an --for 8d").output.find("within 7 days") != std::string::npos);
    CHECK(r.process().stderr_text().find("audit: pause device tablet-an filtering until 2026-12-01T08:01:00Z") != std::string::npos);
  }
  // Restarted two seconds before the end: the state file still has the pause.
  FakeTime at("2026-12-01T08:00:58Z");
  Resolver r(dir.path(), config);
  auto late = ask_as_tablet(r.udp_port());
  REQUIRE(late);
  CHECK(late->rcode() == 0);
  REQUIRE(late->answers.size() == 1);
  CHECK(late->answers[0].ttl <= 2);
  // Then it ends: blocked again (the cached answer never outlives the pause either).
  CHECK(wait_until([&] { auto a = ask_as_tablet(r.udp_port()); return a && a->rcode() == 3; }, 5000ms));
  CHECK(run_command(cli + "--list").output.find("tablet-an") == std::string::npos);
}
