// End-to-end: per-network profiles, SafeSearch, bypass canaries, CNAME cloaking, schedules.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "resolver_fixture.hpp"

using namespace sprout::e2e;
namespace fs = std::filesystem;

namespace {

std::string policy_config(std::uint16_t upstream, const fs::path& dir) {
  write_file(dir / "adult.txt", "adult.test\n");
  write_file(dir / "social.txt", "social.test\n");
  write_file(dir / "trackers.txt", "blocked.test\n");
  const std::string d = dir.string();
  return "listen: [\"127.0.0.1:0\"]\nworkers: 1\n"
         "upstreams: [{address: 127.0.0.1, port: " + std::to_string(upstream) + ", timeout: 500ms, tries: 1}]\n"
         "state_dir: " + d + "/state\n"
         "timezone: Asia/Ho_Chi_Minh\n"
         "categories: {adult: {}, social: {}, tracking: {}}\n"
         "lists:\n"
         "  adult: {category: adult, source: " + d + "/adult.txt}\n"
         "  social: {category: social, source: " + d + "/social.txt}\n"
         "  trackers: {category: tracking, source: " + d + "/trackers.txt}\n"
         "profiles:\n"
         "  kids:\n"
         "    block: [adult, tracking]\n"
         "    safesearch: {google: true, bing: true, youtube: strict}\n"
         "    schedules:\n"
         "      school-hours:\n"
         "        windows: [{days: [mon-fri], from: \"08:00\", to: \"11:30\"}]\n"
         "        block: [social]\n"
         "  staff: {block: [], bypass_prevention: false}\n"
         "networks:\n"
         "  kids: {cidrs: [127.0.0.2/32], profile: kids}\n"
         "  staff: {cidrs: [127.0.0.3/32], profile: staff}\n";
}

struct PolicyStack {
  TempDir dir;
  std::unique_ptr<FakeUpstream> upstream;
  std::unique_ptr<Resolver> resolver;
  Clock::time_point started;  // before the resolver (and its injected clock) started
  explicit PolicyStack(const char* fake_time = nullptr) {
    upstream = std::make_unique<FakeUpstream>(dir.path(), "up", UpstreamSpec{});
    if (fake_time != nullptr) ::setenv("SPROUT_FAKE_TIME", fake_time, 1);
    started = Clock::now();
    resolver = std::make_unique<Resolver>(dir.path(), policy_config(upstream->port(), dir.path()));
    ::unsetenv("SPROUT_FAKE_TIME");
  }
  DigResult ask(const std::string& source, const std::string& args) const {
    return parse_dig_output(dig(resolver->udp_port(), "-b " + source + " " + args).output);
  }
  // The same question as a raw datagram with EDNS, read by ldns and held to `expect`.
  std::optional<Reply> ask_raw(const std::string& source, std::string_view name, std::uint16_t type,
                               const Expect& expect) const {
    return udp_exchange(build_query(0x5157, name, type, Edns{1232}), resolver->udp_port(), 3000ms, source, expect);
  }
};

// A blocked answer (NXDOMAIN mode): no records but the SOA, EDE 15 (Blocked), from a recursive server.
const Expect kBlocked{.rcode = rcode::kNxDomain, .ra = true, .qdcount = 1, .ancount = 0, .nscount = 1,
                      .opt = true, .ede = ede::kBlocked};

}  // namespace

TEST_CASE("two networks get different answers for the same name", "[resolver][policy]") {
  SPROUT_REQUIRE_RESOLVER();
  PolicyStack s;
  CHECK(s.ask("127.0.0.2", "www.adult.test A").status == "NXDOMAIN");
  CHECK(s.ask("127.0.0.3", "www.adult.test A").answer_data("A") == std::vector<std::string>{"192.0.2.1"});
  CHECK(s.ask("127.0.0.1", "www.adult.test A").status == "REFUSED");
  CHECK(s.ask_raw("127.0.0.2", "www.adult.test.", rr_type::kA, kBlocked));
  CHECK(s.ask_raw("127.0.0.3", "www.adult.test.", rr_type::kA,
                  {.rcode = rcode::kNoError, .ra = true, .ancount = 1, .opt = true}));
  CHECK(s.ask_raw("127.0.0.1", "www.adult.test.", rr_type::kA, {.rcode = rcode::kRefused, .ancount = 0}));
}

TEST_CASE("SafeSearch answers with a CNAME to the safe host for A, AAAA and HTTPS", "[resolver][policy]") {
  SPROUT_REQUIRE_RESOLVER();
  PolicyStack s;
  const auto a = s.ask("127.0.0.2", "www.google.com A");
  CHECK(a.answer_data("CNAME") == std::vector<std::string>{"forcesafesearch.google.com."});
  CHECK(a.answer_data("A") == std::vector<std::string>{"192.0.2.1"});
  const auto aaaa = s.ask("127.0.0.2", "www.google.com.vn AAAA");
  CHECK(aaaa.answer_data("CNAME") == std::vector<std::string>{"forcesafesearch.google.com."});
  CHECK(aaaa.answer_data("AAAA") == std::vector<std::string>{"2001:db8::1"});
  const auto https = s.ask("127.0.0.2", "www.youtube.com HTTPS");
  CHECK(https.status == "NOERROR");
  CHECK(https.answer_data("CNAME") == std::vector<std::string>{"restrict.youtube.com."});
  CHECK(s.ask("127.0.0.2", "www.bing.com A").answer_data("CNAME") == std::vector<std::string>{"strict.bing.com."});
  const auto raw = s.ask_raw("127.0.0.2", "www.google.com.", rr_type::kA,
                             {.rcode = rcode::kNoError, .ra = true, .ancount = 2, .opt = true});
  REQUIRE(raw);
  CHECK(raw->answer_data(rr_type::kCname) == std::vector<std::string>{"forcesafesearch.google.com."});
  CHECK(raw->answer_ips() == std::vector<std::string>{"192.0.2.1"});
  CHECK(s.upstream->saw_query("forcesafesearch.google.com."));
  CHECK_FALSE(s.upstream->saw_query("www.google.com."));
  CHECK_FALSE(s.upstream->saw_query("www.youtube.com."));
  // Staff have no SafeSearch: the real name goes upstream.
  CHECK(s.ask("127.0.0.3", "www.google.com A").answer_data("CNAME").empty());
  CHECK(s.upstream->saw_query("www.google.com."));
}

TEST_CASE("bypass prevention: the Firefox canary and Private Relay get NXDOMAIN", "[resolver][policy]") {
  SPROUT_REQUIRE_RESOLVER();
  PolicyStack s;
  CHECK(s.ask("127.0.0.2", "use-application-dns.net A").status == "NXDOMAIN");
  CHECK(s.ask("127.0.0.2", "mask.icloud.com AAAA").status == "NXDOMAIN");
  CHECK(s.ask_raw("127.0.0.2", "use-application-dns.net.", rr_type::kA, kBlocked));
  const auto ddr = s.ask("127.0.0.2", "_dns.resolver.arpa SVCB");
  CHECK(ddr.status == "NOERROR");
  CHECK(ddr.answers.empty());
  CHECK(s.ask("127.0.0.3", "use-application-dns.net A").status == "NOERROR");  // bypass_prevention: false
}

TEST_CASE("a CNAME into a blocked name is blocked, also from the cache", "[resolver][policy]") {
  SPROUT_REQUIRE_RESOLVER();
  PolicyStack s;
  CHECK(s.ask("127.0.0.2", "cloak.example A").status == "NXDOMAIN");
  CHECK(s.ask("127.0.0.2", "cloak.example A").status == "NXDOMAIN");  // second time: cache hit
  CHECK(s.ask_raw("127.0.0.2", "cloak.example.", rr_type::kA, {.rcode = rcode::kNxDomain, .ancount = 0}));
  const auto staff = s.ask("127.0.0.3", "cloak.example A");
  CHECK(staff.answer_data("CNAME") == std::vector<std::string>{"tracker.blocked.test."});
}

TEST_CASE("a schedule window switches behaviour at its boundary, TTLs never cross it", "[resolver][policy][schedule]") {
  SPROUT_REQUIRE_RESOLVER();
  // 2026-12-01 is a Tuesday; the window ends at 11:30 Asia/Ho_Chi_Minh. Time is injected.
  PolicyStack s("2026-12-01T11:29:57+07:00");
  const auto before = s.ask("127.0.0.2", "social.test A");
  CHECK(before.status == "NXDOMAIN");
  // Every TTL leaving Sprout stops at the window's end (at most 3 s away; upstream said 300).
  const auto allowed = s.ask("127.0.0.2", "other.example A");
  REQUIRE(allowed.answer_data("A") == std::vector<std::string>{"192.0.2.1"});
  for (const auto& r : allowed.answers) CHECK(r.ttl <= 3);
  CHECK(s.ask("127.0.0.3", "social.test A").status == "NOERROR");  // staff: no schedule
  const auto resolves = [&] { return s.ask("127.0.0.2", "social.test A").answer_data("A") == std::vector<std::string>{"192.0.2.1"}; };
  CHECK(wait_until(resolves, 10000ms, 200ms));
  // Not before the boundary: 3 s of injected time after the resolver started.
  CHECK(Clock::now() - s.started >= 2900ms);
}

TEST_CASE("explain prints the decision serving makes: network, schedule, rule, action", "[resolver][policy][explain]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  write_file(dir / "sprout.yaml", policy_config(53, dir.path()));
  const std::string base = sproutdns_path() + " explain --config " + (dir / "sprout.yaml").string();
  const auto during = run_command(base + " --client 127.0.0.2 --at 2026-12-01T09:00:00+07:00 Social.Test.");
  INFO(during.output);
  CHECK(during.exit_code == 0);
  CHECK(during.output.find("network:   kids") != std::string::npos);
  CHECK(during.output.find("school-hours") != std::string::npos);
  CHECK(during.output.find("rule:      category\nentry:     'social.test' in list social, line 1, category social") != std::string::npos);
  CHECK(during.output.find("action:    block: NXDOMAIN") != std::string::npos);
  CHECK(during.output.find("ttl cap:   9000 s") != std::string::npos);
  const auto after = run_command(base + " --client 127.0.0.2 --at 2026-12-01T12:00:00+07:00 social.test");
  CHECK(after.output.find("action:    resolve") != std::string::npos);
  const auto refused = run_command(base + " --client 192.0.2.1 social.test");
  CHECK(refused.output.find("REFUSED") != std::string::npos);
  const auto json = run_command(base + " --client 127.0.0.2 --json www.google.com AAAA");
  CHECK(json.output.find("\"action\":\"rewrite\"") != std::string::npos);
}

TEST_CASE("PROXY v2 from a trusted front end carries the client that picks the network", "[resolver][policy][proxy]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  Resolver r(dir.path(), policy_config(upstream.port(), dir.path()) + "proxy_protocol: [127.0.0.1/32]\n");
  const auto with_proxy = [](std::uint8_t last_octet, const Bytes& query) {
    Bytes b = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x12, 0x00, 0x0C,
               127, 0, 0, last_octet, 127, 0, 0, 1, 0x30, 0x39, 0x00, 0x35};
    b.insert(b.end(), query.begin(), query.end());
    return b;
  };
  const Bytes q = build_query(0x4444, "www.adult.test.", rr_type::kA);
  // The reply answers the query inside the PROXY header.
  const auto proxied = [&](const Bytes& datagram, Expect expect) {
    UdpClient client;
    REQUIRE(client.send(datagram, r.udp_port()));
    return client.receive(3000ms, merged(std::move(expect), reply_to(q)));
  };
  CHECK(proxied(with_proxy(2, q), {.rcode = rcode::kNxDomain}));
  const auto staff = proxied(with_proxy(3, q), {.rcode = rcode::kNoError});
  REQUIRE(staff);
  CHECK(staff->answer_ips() == std::vector<std::string>{"192.0.2.1"});
  // Without a header the front end itself is in no network: REFUSED, never an open resolver.
  CHECK(udp_exchange(q, r.udp_port(), 3000ms, "127.0.0.1", {.rcode = rcode::kRefused}));
  // A header from an untrusted source is not believed: the datagram is taken as a DNS
  // message (whose "header" is the PROXY signature), so any reply answers that.
  UdpClient untrusted("127.0.0.2");
  REQUIRE(untrusted.send(with_proxy(3, q), r.udp_port()));
  const auto spoofed = untrusted.receive(1000ms, reply_to(with_proxy(3, q)));
  CHECK((!spoofed || spoofed->rcode() != rcode::kNoError));
}

TEST_CASE("serve-stale: an expired cached answer beats SERVFAIL when upstream is gone", "[resolver][cache]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  const std::string config = "listen: [\"127.0.0.1:0\"]\nworkers: 1\nadmin: {enabled: false}\nstats: {enabled: false}\n"
      "upstreams: [{address: 127.0.0.1, port: " + std::to_string(upstream.port()) + ", timeout: 200ms, tries: 1}]\n"
      "cache: {max_ttl: 1s, stale_answer_ttl: 7s}\n"
      "networks: {lo: {cidrs: [127.0.0.1/32], profile: default}}\n";
  Resolver r(dir.path(), config);
  const auto fresh = parse_dig_output(dig(r.udp_port(), "stale.example A").output);
  REQUIRE(fresh.answer_data("A") == std::vector<std::string>{"192.0.2.1"});
  const auto hit = parse_dig_output(dig(r.udp_port(), "stale.example A").output);
  REQUIRE(hit.answer_data("A") == std::vector<std::string>{"192.0.2.1"});
  CHECK(hit.answers[0].ttl <= 1);  // from the cache, whose copy max_ttl clamped
  upstream.process().terminate();
  // Once the entry expires (max_ttl 1s), it is served stale, with stale_answer_ttl.
  DigResult stale;
  const auto served_stale = [&] {
    stale = parse_dig_output(dig(r.udp_port(), "stale.example A").output);
    return !stale.answers.empty() && stale.answers[0].ttl == 7;
  };
  CHECK(wait_until(served_stale, 6000ms, 200ms));
  CHECK(stale.answer_data("A") == std::vector<std::string>{"192.0.2.1"});
  CHECK(parse_dig_output(dig(r.udp_port(), "never-seen.example A").output).status == "SERVFAIL");
}
