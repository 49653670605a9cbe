// End-to-end: a real dnsmasq as the home router adds each device's MAC (--add-mac); two devices
// in their own network namespaces, joined to the router by veth pairs, get their own profiles.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <set>
#include <sstream>

#include "resolver_fixture.hpp"

using namespace sprout::e2e;
namespace fs = std::filesystem;

namespace {

// Two client namespaces, each behind a veth pair whose other end (the router's LAN port) is in
// this namespace. The destructor removes them whatever happened to the test.
class HomeNetwork {
 public:
  // Never throws: a half-built network is still removed by the destructor. `error` says
  // which command failed.
  HomeNetwork() : tag_(std::to_string(::getpid() % 100000)), subnet_("10." + std::to_string(::getpid() % 250 + 1) + ".") {
    cleanup();  // leftovers of a killed run with the same pid
    for (int i = 1; i <= 2 && error.empty(); ++i) {
      const std::string ns = netns(i), host = "spr" + tag_ + "h" + std::to_string(i), peer = "spr" + tag_ + "c" + std::to_string(i);
      const std::string in = "ip netns exec " + ns + " ";
      for (const std::string& cmd : {"ip netns add " + ns, "ip link add " + host + " type veth peer name " + peer,
                                     "ip link set " + peer + " netns " + ns, "ip addr add " + router_ip(i) + "/24 dev " + host,
                                     "ip link set " + host + " up", in + "ip link set " + peer + " address " + mac(i),
                                     in + "ip addr add " + client_ip(i) + "/24 dev " + peer, in + "ip link set " + peer + " up",
                                     in + "ip link set lo up"}) {
        const auto r = run_command(cmd);
        if (r.exit_code != 0) {
          error = cmd + ": " + r.output;
          break;
        }
      }
    }
  }
  std::string error;
  ~HomeNetwork() { cleanup(); }
  HomeNetwork(const HomeNetwork&) = delete;
  HomeNetwork& operator=(const HomeNetwork&) = delete;

  [[nodiscard]] std::string netns(int i) const { return "sprout-" + tag_ + "-c" + std::to_string(i); }
  [[nodiscard]] std::string router_ip(int i) const { return subnet_ + std::to_string(i) + ".1"; }
  [[nodiscard]] std::string client_ip(int i) const { return subnet_ + std::to_string(i) + ".2"; }
  [[nodiscard]] static std::string mac(int i) { return i == 1 ? "02:00:00:00:00:0a" : "02:00:00:00:00:0b"; }

 private:
  void cleanup() const {
    for (int i = 1; i <= 2; ++i) {
      (void)run_command("ip netns del " + netns(i) + " 2>/dev/null");  // takes its veth pair along
      (void)run_command("ip link del spr" + tag_ + "h" + std::to_string(i) + " 2>/dev/null");
    }
  }
  std::string tag_, subnet_;
};

constexpr const char* kRouterToken = "e2e-router-token-0123456789";

std::string router_config(std::uint16_t upstream, const fs::path& dir, std::uint16_t admin) {
  return "listen: [\"127.0.0.1:0\"]\nworkers: 1\n"
         "upstreams: [{address: 127.0.0.1, port: " + std::to_string(upstream) + ", timeout: 500ms, tries: 1}]\n"
         "state_dir: " + dir.string() + "/state\n"
         "admin: {listen: \"127.0.0.1:" + std::to_string(admin) + "\", token: " + kRouterToken + "}\n"
         "profiles:\n"
         "  kids: {deny: [games.test], services: [roblox]}\n"
         "  teen: {deny: [video.test]}\n"
         "networks:\n"
         "  home: {cidrs: [127.0.0.1/32]}\n"
         "trusted_forwarders: [127.0.0.1/32]\n"
         "query_log: {enabled: true}\n"
         "devices:\n"
         "  tablet-an: {macs: [\"" + HomeNetwork::mac(1) + "\"], profile: kids}\n"
         "  phone-bo: {macs: [\"" + HomeNetwork::mac(2) + "\"], profile: teen}\n";
}

// dnsmasq as a home router: it listens on the LAN ports, forwards to Sprout and adds the
// MAC it finds in the neighbour table. --strip-mac drops any MAC a client put in itself.
std::unique_ptr<Process> start_dnsmasq(const HomeNetwork& home, const fs::path& dir, std::uint16_t port,
                                       std::uint16_t sprout, const std::string& add_mac) {
  const fs::path log = dir / ("dnsmasq" + add_mac + ".log");
  auto p = std::make_unique<Process>(
      std::vector<std::string>{"/usr/sbin/dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
                               "--no-hosts", "--no-poll", "--bind-interfaces", "--listen-address=" + home.router_ip(1),
                               "--listen-address=" + home.router_ip(2), "--port=" + std::to_string(port),
                               "--server=127.0.0.1#" + std::to_string(sprout), "--add-mac" + add_mac, "--strip-mac",
                               "--cache-size=0", "--user=root", "--pid-file=" + (dir / "dnsmasq.pid").string(),
                               "--log-facility=" + log.string(), "--log-queries"},
      dir / "dnsmasq.out", dir / "dnsmasq.err");
  const bool started = wait_until([&] { return read_file(log).find("started") != std::string::npos; }, 5000ms);
  INFO(read_file(dir / "dnsmasq.err") << read_file(log));
  REQUIRE(started);
  return p;
}

DigResult ask(const HomeNetwork& home, int device, std::uint16_t port, const std::string& name) {
  const auto r = run_command("ip netns exec " + home.netns(device) + " dig @" + home.router_ip(device) + " -p " +
                             std::to_string(port) + " +time=2 +tries=2 +noall +comments +answer " + name + " A");
  INFO(r.output);
  CHECK(reader_complaints(r.output).empty());
  return parse_dig_output(r.output);
}

}  // namespace

TEST_CASE("two devices behind one dnsmasq router get their own profiles by MAC", "[router]") {
  SPROUT_REQUIRE_RESOLVER();
  REQUIRE(fs::exists("/usr/sbin/dnsmasq"));  // packaging/install-deps.sh installs dnsmasq-base
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  const std::string config = router_config(upstream.port(), dir.path(), free_tcp_port());
  Resolver resolver(dir.path(), config);
  HomeNetwork home;
  INFO("network namespaces (root needed): " << home.error);
  REQUIRE(home.error.empty());
  int round = 0;
  for (const std::string add_mac : {"", "=base64", "=text"}) {
    INFO("dnsmasq --add-mac" << add_mac);
    const std::uint16_t port = free_tcp_port();
    auto dnsmasq = start_dnsmasq(home, dir.path(), port, resolver.udp_port(), add_mac);
    // New names each round, so that every allowed one reaches the upstream (not the cache).
    const std::string games = "r" + std::to_string(round) + ".games.test", video = "r" + std::to_string(round++) + ".video.test";
    // tablet-an (kids) may not play games but may watch; phone-bo (teen) the other way round.
    CHECK(ask(home, 1, port, games).status == "NXDOMAIN");
    CHECK(ask(home, 1, port, video).answer_data("A") == std::vector<std::string>{"192.0.2.1"});
    CHECK(ask(home, 2, port, games).answer_data("A") == std::vector<std::string>{"192.0.2.1"});
    CHECK(ask(home, 2, port, video).status == "NXDOMAIN");
  }
  // The upstream saw only the allowed names, and never a MAC, CPE id or client subnet.
  const auto lines = upstream.log_lines();
  CHECK(lines.size() == 6);
  for (const auto& line : lines) {
    INFO(line);
    CHECK(line.find("65001") == std::string::npos);
    CHECK(line.find("65073") == std::string::npos);
    CHECK(line.find("65074") == std::string::npos);
    CHECK(line.find("opts=8") == std::string::npos);
    CHECK(line.find(",8") == std::string::npos);
  }
  CHECK(upstream.saw_query("r0.games.test."));
  CHECK(upstream.saw_query("r2.video.test."));
  // The query log (flushed at shutdown) tells the two devices apart by a pseudonym of their
  // MAC, though both came from the router's address; no MAC and no device name is in it.
  CHECK(resolver.process().terminate() == 0);
  const auto log = run_command(sproutdns_path() + " querylog --config " + (dir / "sprout.yaml").string() + " --from " +
                               today_utc() + " --to " + today_utc());
  INFO(log.output);
  CHECK(log.exit_code == 0);
  std::set<std::string> pseudonyms;
  std::istringstream rows(log.output);
  for (std::string line; std::getline(rows, line);) {
    if (line.find(".test,") != std::string::npos) pseudonyms.insert(line.substr(line.rfind(',') + 1));
  }
  CHECK(pseudonyms.size() == 2);
  CHECK(log.output.find("games.test") != std::string::npos);
  for (const char* secret : {"02:00:00", "tablet-an", "phone-bo"}) CHECK(log.output.find(secret) == std::string::npos);

  // Through the same router: a service blocked for one device resolves for the other, and a
  // one-minute pause of that device, at an injected time, ends on time across a restart.
  const std::string pause = sproutdns_path() + " pause --config " + (dir / "sprout.yaml").string() + " ";
  {
    FakeTime at("2026-12-01T08:00:00Z");
    Resolver r(dir.path(), config);
    const std::uint16_t port = free_tcp_port();
    auto dnsmasq = start_dnsmasq(home, dir.path(), port, r.udp_port(), "");
    CHECK(ask(home, 1, port, "www.roblox.com").status == "NXDOMAIN");  // kids: services [roblox]
    CHECK(ask(home, 2, port, "www.roblox.com").answer_data("A") == std::vector<std::string>{"192.0.2.1"});
    CHECK(ask(home, 1, port, "p0.games.test").status == "NXDOMAIN");
    CommandResult paused;
    // The admin API comes up just after the DNS listeners: retry until it answers.
    REQUIRE(wait_until([&] { return (paused = run_command(pause + "--device tablet-an --for 1m")).exit_code == 0; },
                       5000ms));
    INFO(paused.output);
    CHECK(paused.output.find("\"until\":\"2026-12-01T08:01:00Z\"") != std::string::npos);
    const auto during = ask(home, 1, port, "p1.games.test");
    CHECK(during.answer_data("A") == std::vector<std::string>{"192.0.2.1"});
  }
  // Restarted two seconds before the end: still paused, then blocked again when it ends.
  FakeTime at("2026-12-01T08:00:58Z");
  Resolver r(dir.path(), config);
  const std::uint16_t port = free_tcp_port();
  auto dnsmasq = start_dnsmasq(home, dir.path(), port, r.udp_port(), "");
  CHECK(ask(home, 1, port, "p2.games.test").answer_data("A") == std::vector<std::string>{"192.0.2.1"});
  CHECK(wait_until([&] { return ask(home, 1, port, "p3.games.test").status == "NXDOMAIN"; }, 5000ms));
  CHECK(ask(home, 2, port, "p4.games.test").answer_data("A") == std::vector<std::string>{"192.0.2.1"});
}
