// End-to-end: abuse protection in the real binary: per-client rate limits (REFUSED, TC=1),
// DNS rebinding protection, and the outstanding upstream limits, each counted in /metrics.
#include <catch2/catch.hpp>

#include "resolver_fixture.hpp"

using namespace sprout::e2e;
namespace fs = std::filesystem;

namespace {

// Three clients on loopback: .2 and .3 in a protected profile, .4 in one without rebinding checks.
std::string abuse_config(std::uint16_t upstream, const fs::path& dir, std::uint16_t admin, const std::string& extra,
                         const std::string& timeout = "500ms") {
  return "listen: [\"127.0.0.1:0\"]\nworkers: 1\n"
         "upstreams: [{address: 127.0.0.1, port: " + std::to_string(upstream) + ", timeout: " + timeout +
         ", tries: 1}]\n"
         "state_dir: " + dir.string() + "/state\n"
         "admin: {listen: \"127.0.0.1:" + std::to_string(admin) + "\"}\nstats: {enabled: false}\n"
         "cache: {serve_stale: false}\n"
         "profiles:\n"
         "  default: {rebinding_allow: [school.test]}\n"
         "  open: {rebinding_protection: false}\n"
         "networks:\n"
         "  lan: {cidrs: [127.0.0.1/32, 127.0.0.2/32, 127.0.0.3/32], profile: default}\n"
         "  lab: {cidrs: [127.0.0.4/32], profile: open}\n" + extra;
}

std::string metrics(std::uint16_t admin) {
  return run_command("curl -s --max-time 5 'http://127.0.0.1:" + std::to_string(admin) + "/metrics'").output;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

struct AbuseStack {
  TempDir dir;
  std::unique_ptr<FakeUpstream> upstream;
  std::uint16_t admin = free_tcp_port();
  std::unique_ptr<Resolver> resolver;
  AbuseStack(const std::string& extra, const UpstreamSpec& spec = {}, const std::string& timeout = "500ms") {
    upstream = std::make_unique<FakeUpstream>(dir.path(), "up", spec);
    resolver = std::make_unique<Resolver>(dir.path(), abuse_config(upstream->port(), dir.path(), admin, extra, timeout));
  }
  [[nodiscard]] std::uint16_t port() const { return resolver->udp_port(); }
};

}  // namespace

TEST_CASE("a client over its rate gets REFUSED, its neighbour does not, and /metrics counts it", "[resolver][abuse]") {
  SPROUT_REQUIRE_RESOLVER();
  AbuseStack s("rate_limit: {qps: 1, burst: 5}\n");
  // The burst passes; then, sending faster than one a second, REFUSED comes.
  int refused = 0;
  for (int i = 0; i < 200 && refused < 3; ++i) {
    const auto reply = udp_exchange(build_query(static_cast<std::uint16_t>(i), "www.example.", rr_type::kA),
                                    s.port(), 3000ms, "127.0.0.2");
    REQUIRE(reply);
    INFO("query " << i);
    if (i < 5) CHECK(reply->rcode() == rcode::kNoError);
    if (reply->rcode() == rcode::kRefused) {
      CHECK(reply->answers.empty());
      ++refused;
    }
  }
  CHECK(refused == 3);
  CHECK(udp_exchange(build_query(7, "www.example.", rr_type::kA), s.port(), 3000ms, "127.0.0.3",
                     {.rcode = rcode::kNoError, .ancount = 1}));
  const std::string m = metrics(s.admin);
  INFO(m.substr(0, 4000));
  CHECK(has_line(m, "sprout_rate_limited_total{action=\"refuse\"} 3"));
  CHECK(has_line(m, "sprout_rate_limited_total{action=\"truncate\"} 0"));
  CHECK(m.find("127.0.0.2") == std::string::npos);  // never a client as a label
}

TEST_CASE("with action truncate: TC=1 over UDP, REFUSED over TCP", "[resolver][abuse]") {
  SPROUT_REQUIRE_RESOLVER();
  AbuseStack s("rate_limit: {qps: 1, burst: 2, action: truncate}\n");
  std::optional<Reply> truncated;
  for (int i = 0; i < 200 && !truncated; ++i) {
    auto reply = udp_exchange(build_query(static_cast<std::uint16_t>(i), "tc.example.", rr_type::kA, Edns{1232}),
                              s.port(), 3000ms, "127.0.0.1");
    REQUIRE(reply);
    if (reply->tc()) truncated = std::move(reply);
  }
  REQUIRE(truncated);
  CHECK(truncated->rcode() == rcode::kNoError);
  CHECK(truncated->answers.empty());
  CHECK(truncated->questions.size() == 1);
  // The same client over TCP (the bucket is per client, not per transport): TC means nothing
  // there, so REFUSED. Ten in one write: at most a token or two refill meanwhile.
  TcpClient tcp(s.resolver->tcp_port());
  REQUIRE(tcp.connected());
  std::vector<Bytes> queries;
  for (std::uint16_t i = 0; i < 10; ++i) queries.push_back(build_query(static_cast<std::uint16_t>(0x100 + i), "tcp.example.", rr_type::kA));
  REQUIRE(tcp.send_framed(queries));
  int refused = 0;
  for (int i = 0; i < 10; ++i) {
    const auto reply = tcp.read_framed(3000ms, {.tc = false});
    REQUIRE(reply);
    refused += reply->rcode() == rcode::kRefused ? 1 : 0;
  }
  CHECK(refused >= 7);
  const std::string m = metrics(s.admin);
  INFO(m.substr(0, 4000));
  CHECK(has_line(m, "sprout_rate_limited_total{action=\"truncate\"} 1"));
  CHECK(has_line(m, "sprout_rate_limited_total{action=\"refuse\"} " + std::to_string(refused)));
}

TEST_CASE("rebinding: a public name answered with 192.168.1.10 is blocked by default", "[resolver][abuse]") {
  SPROUT_REQUIRE_RESOLVER();
  AbuseStack s("", UpstreamSpec{.answer_ip = "192.168.1.10"});
  const Expect blocked{.rcode = rcode::kNxDomain, .ancount = 0, .opt = true, .ede = ede::kBlocked};
  for (int i = 0; i < 2; ++i) {  // from upstream, then from the cache: blocked both times
    const auto reply = udp_exchange(build_query(0x5151, "rebind.example.", rr_type::kA, Edns{1232}), s.port(), 3000ms,
                                    "127.0.0.2", blocked);
    REQUIRE(reply);
    REQUIRE(reply->extended_error());
    CHECK(reply->extended_error()->text == "rebinding");
  }
  const Expect passes{.rcode = rcode::kNoError, .ancount = 1};
  auto ips = [](const std::optional<Reply>& r) { return r ? r->answer_ips() : std::vector<std::string>{}; };
  const std::vector<std::string> lan{"192.168.1.10"};
  // rebinding_allow: the school's own name; lan: a built-in local suffix.
  CHECK(ips(udp_exchange(build_query(1, "printer.school.test.", rr_type::kA), s.port(), 3000ms, "127.0.0.2", passes)) == lan);
  CHECK(ips(udp_exchange(build_query(2, "router.lan.", rr_type::kA), s.port(), 3000ms, "127.0.0.2", passes)) == lan);
  // A profile with rebinding_protection: false gets the answer as it is, even the cached one.
  CHECK(ips(udp_exchange(build_query(3, "rebind.example.", rr_type::kA), s.port(), 3000ms, "127.0.0.4", passes)) == lan);
  CHECK(ips(udp_exchange(build_query(4, "other.example.", rr_type::kA), s.port(), 3000ms, "127.0.0.4", passes)) == lan);
  // AAAA from this upstream is 2001:db8::1: public, never blocked.
  CHECK(udp_exchange(build_query(5, "rebind.example.", rr_type::kAaaa), s.port(), 3000ms, "127.0.0.2",
                     {.rcode = rcode::kNoError, .ancount = 1}));
  const std::string m = metrics(s.admin);
  INFO(m.substr(0, 4000));
  CHECK(has_line(m, "sprout_rebinding_blocked_total 2"));
  const auto explained = run_command(sproutdns_path() + " explain --config " + (s.dir / "sprout.yaml").string() +
                                     " --client 127.0.0.2 rebind.example");
  CHECK(explained.output.find("rebinding: on") != std::string::npos);
}

TEST_CASE("outstanding upstream limits: beyond them SERVFAIL at once, and timeouts give the places back", "[resolver][abuse]") {
  SPROUT_REQUIRE_RESOLVER();
  // silent.* names are never answered: they stay outstanding until the 2 s timeout.
  AbuseStack s("upstream_limit: {per_client: 2, total: 3}\n", {}, "2s");
  UdpClient a("127.0.0.2"), b("127.0.0.3");
  REQUIRE(a.send(build_query(1, "silent.n1.example.", rr_type::kA), s.port()));
  REQUIRE(a.send(build_query(2, "silent.n2.example.", rr_type::kA), s.port()));
  CHECK(wait_until([&] { return s.upstream->saw_query("silent.n1.example.") && s.upstream->saw_query("silent.n2.example."); }, 5000ms));
  REQUIRE(a.send(build_query(3, "silent.n3.example.", rr_type::kA), s.port()));
  const auto third = a.receive(3000ms, {.id = 3, .rcode = rcode::kServFail});  // the first reply a gets
  CHECK(third);
  CHECK_FALSE(s.upstream->saw_query("silent.n3.example."));
  // Another client still has room, up to the worker's total.
  REQUIRE(b.send(build_query(4, "silent.n4.example.", rr_type::kA), s.port()));
  CHECK(wait_until([&] { return s.upstream->saw_query("silent.n4.example."); }, 5000ms));
  REQUIRE(b.send(build_query(5, "silent.n5.example.", rr_type::kA), s.port()));
  CHECK(b.receive(3000ms, {.id = 5, .rcode = rcode::kServFail}));
  CHECK_FALSE(s.upstream->saw_query("silent.n5.example."));
  // The upstream timeouts end the first two: their SERVFAILs, then a has room again.
  CHECK(a.receive(5000ms, {.rcode = rcode::kServFail}));
  CHECK(a.receive(5000ms, {.rcode = rcode::kServFail}));
  CHECK(udp_exchange(build_query(6, "www.example.", rr_type::kA), s.port(), 3000ms, "127.0.0.2",
                     {.rcode = rcode::kNoError, .ancount = 1}));
  const std::string m = metrics(s.admin);
  INFO(m.substr(0, 4000));
  CHECK(has_line(m, "sprout_upstream_limited_total{limit=\"client\"} 1"));
  CHECK(has_line(m, "sprout_upstream_limited_total{limit=\"total\"} 1"));
}
