// End-to-end: per-network profiles, SafeSearch, bypass canaries, CNAME cloaking, schedules.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <thread>

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
  explicit PolicyStack(const char* fake_time = nullptr) {
    upstream = std::make_unique<FakeUpstream>(dir.path(), "up", UpstreamSpec{});
    if (fake_time != nullptr) ::setenv("SPROUT_FAKE_TIME", fake_time, 1);
    resolver = std::make_unique<Resolver>(dir.path(), policy_config(upstream->port(), dir.path()));
    ::unsetenv("SPROUT_FAKE_TIME");
  }
  DigResult ask(const std::string& source, const std::string& args) const {
    return parse_dig_output(dig(resolver->udp_port(), "-b " + source + " " + args).output);
  }
};

}  // namespace

TEST_CASE("two networks get different answers for the same name", "[resolver][policy]") {
  SPROUT_REQUIRE_RESOLVER();
  PolicyStack s;
  CHECK(s.ask("127.0.0.2", "www.adult.test A").status == "NXDOMAIN");
  CHECK(s.ask("127.0.0.3", "www.adult.test A").answer_data("A") == std::vector<std::string>{"192.0.2.1"});
  CHECK(s.ask("127.0.0.1", "www.adult.test A").status == "REFUSED");
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
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  CHECK(s.ask("127.0.0.2", "social.test A").answer_data("A") == std::vector<std::string>{"192.0.2.1"});
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
  CHECK(during.output.find("category social, list social line 1") != std::string::npos);
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
  const auto kids = udp_exchange(with_proxy(2, q), r.udp_port());
  REQUIRE(kids);
  CHECK(parse_message(*kids)->rcode() == rcode::kNxDomain);
  const auto staff = udp_exchange(with_proxy(3, q), r.udp_port());
  REQUIRE(staff);
  CHECK(parse_message(*staff)->answer_ips() == std::vector<std::string>{"192.0.2.1"});
  // Without a header the front end itself is in no network: REFUSED, never an open resolver.
  const auto direct = udp_exchange(q, r.udp_port());
  REQUIRE(direct);
  CHECK(parse_message(*direct)->rcode() == rcode::kRefused);
  // A header from an untrusted source is not believed.
  const auto spoofed = udp_exchange(with_proxy(3, q), r.udp_port(), 1000ms, "127.0.0.2");
  CHECK((!spoofed || parse_message(*spoofed)->rcode() != rcode::kNoError));
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
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the entry expires
  const auto stale = parse_dig_output(dig(r.udp_port(), "stale.example A").output);
  CHECK(stale.answer_data("A") == std::vector<std::string>{"192.0.2.1"});
  REQUIRE_FALSE(stale.answers.empty());
  CHECK(stale.answers[0].ttl == 7);
  CHECK(parse_dig_output(dig(r.udp_port(), "never-seen.example A").output).status == "SERVFAIL");
}
