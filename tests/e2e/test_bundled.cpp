// End-to-end: the bundled list snapshot seeds a URL list's last-good copy, so an install
// without network blocks from the first query; the first successful download replaces it.
// Also `sproutdns init` and the config checks of `bundled:`.
#include <catch2/catch.hpp>

#include <regex>

#include "http_server.hpp"
#include "resolver_fixture.hpp"

using namespace sprout::e2e;
namespace fs = std::filesystem;

namespace {

// pornhub.com is in the bundled adult snapshot (blocklists/bundled/adult.txt.gz).
constexpr const char* kBundledAdultName = "pornhub.com";

std::string bundled_config(std::uint16_t upstream, const fs::path& dir, const std::string& url, std::uint16_t admin) {
  return "listen: [\"127.0.0.1:0\"]\nworkers: 1\n"
         "admin: {listen: \"127.0.0.1:" + std::to_string(admin) + "\"}\n"
         "upstreams: [{address: 127.0.0.1, port: " + std::to_string(upstream) + ", timeout: 500ms, tries: 1}]\n"
         "state_dir: " + (dir / "state").string() + "\n"
         "categories: {adult: {}}\n"
         "lists: {porn: {category: adult, source: \"" + url + "\", format: domains, bundled: adult, refresh: 1h}}\n"
         "profiles: {default: {block: [adult]}}\n"
         "networks: {lo: {cidrs: [127.0.0.1/32], profile: default}}\n";
}

CommandResult lists_command(const fs::path& dir, const std::string& config) {
  write_file(dir / "lists.yaml", config);
  return run_command(sproutdns_path() + " lists --config " + (dir / "lists.yaml").string() + " 2>&1");
}

std::string status_of(const std::string& name, Stack& s) {
  return parse_dig_output(dig(s.port(), name + " A").output).status;
}

}  // namespace

TEST_CASE("a URL list that cannot be downloaded blocks from its bundled snapshot at the first query", "[resolver][bundled]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  const std::uint16_t admin = free_tcp_port();
  // Nothing listens there: every download fails at once, as on a box without network.
  const std::string url = "http://127.0.0.1:" + std::to_string(free_tcp_port()) + "/porn.txt";
  const std::string config = bundled_config(upstream.port(), dir.path(), url, admin);
  Resolver r(dir.path(), config);

  const auto first = dig(r.udp_port(), std::string(kBundledAdultName) + " A");
  INFO(first.output << "\n" << r.process().stderr_text());
  CHECK(parse_dig_output(first.output).status == "NXDOMAIN");
  CHECK(first.output.find("EDE: 15 (Blocked): (adult)") != std::string::npos);
  CHECK_FALSE(upstream.saw_query(std::string(kBundledAdultName) + "."));
  CHECK(parse_dig_output(dig(r.udp_port(), "www.example.org A").output).status == "NOERROR");

  // The seed is an ordinary last-good copy in state_dir, marked as the bundled one.
  CHECK(fs::exists(dir / "state/lists/porn.list"));
  CHECK(read_file(dir / "state/lists/porn.list.meta").find("bundled\t20") != std::string::npos);
  const auto lists = lists_command(dir.path(), config);
  INFO(lists.output);
  CHECK(std::regex_search(lists.output, std::regex(R"(\nporn +adult +bundled 20[0-9]{2}-[0-9]{2}-[0-9]{2} )")));
  // Its age is on /health and in the log, with a warning once it is older than 90 days.
  std::string health;
  CHECK(wait_until([&] {
    health = run_command("curl -s http://127.0.0.1:" + std::to_string(admin) + "/health").output;
    return health.starts_with("ok\n");
  }, 10000ms, 100ms));
  INFO(health);
  CHECK(std::regex_search(health, std::regex(R"(list porn: bundled snapshot of 20[0-9-]{8}, [0-9]+ days old)")));
  CHECK(r.process().stderr_text().find("list porn: serving the bundled snapshot of") != std::string::npos);
  const auto stats = run_command("curl -s http://127.0.0.1:" + std::to_string(admin) + "/api/stats").output;
  CHECK(stats.find("\"bundled_age_days\":") != std::string::npos);
}

TEST_CASE("the first successful download replaces the bundled copy, for good", "[resolver][bundled][http]") {
  SPROUT_REQUIRE_RESOLVER();
  Stack s({UpstreamSpec{}});
  auto http = std::make_unique<ListHttpServer>("# the real list\nremote-only.test\n");
  const std::string config = bundled_config(s.upstreams[0]->port(), s.dir.path(),
                                            "http://127.0.0.1:" + std::to_string(http->port()) + "/porn.txt",
                                            free_tcp_port());
  s.resolver = std::make_unique<Resolver>(s.dir.path(), config);
  const bool replaced = wait_until([&] { return status_of("remote-only.test", s) == "NXDOMAIN"; }, 10000ms, 100ms);
  INFO(s.resolver->process().stderr_text());
  REQUIRE(replaced);
  CHECK(status_of(kBundledAdultName, s) == "NOERROR");  // not in the downloaded list
  CHECK(read_file(s.dir / "state/lists/porn.list.meta").find("bundled") == std::string::npos);
  CHECK(std::regex_search(lists_command(s.dir.path(), config).output, std::regex(R"(\nporn +adult +ok )")));

  // A restart with the list server gone serves the download, not the snapshot again.
  s.resolver.reset();
  http.reset();
  s.resolver = std::make_unique<Resolver>(s.dir.path(), config);
  CHECK(status_of("remote-only.test", s) == "NXDOMAIN");
  CHECK(status_of(kBundledAdultName, s) == "NOERROR");
}

TEST_CASE("bundled: names a snapshot entry of an http(s) list, or the config is refused", "[resolver][bundled][cli]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  write_file(dir / "local.txt", "a.test\n");
  write_file(dir / "bad.yaml",
             "categories: {adult: {}}\n"
             "lists:\n"
             "  typo: {category: adult, source: \"https://example.org/l.txt\", bundled: adutl}\n"
             "  file: {category: adult, source: local.txt, bundled: adult}\n");
  const auto r = run_command(sproutdns_path() + " check-config " + (dir / "bad.yaml").string() + " 2>&1");
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("bad.yaml:3:") != std::string::npos);
  CHECK(r.output.find("lists.typo.bundled: 'adutl' is not a bundled list (valid: adult, gambling, malware, phishing)") !=
        std::string::npos);
  CHECK(r.output.find("bad.yaml:4:") != std::string::npos);
  CHECK(r.output.find("lists.file.bundled: bundled seeds only http(s) lists") != std::string::npos);
}

TEST_CASE("init --kind writes a starter config that loads, never over an existing file", "[resolver][cli]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  for (const std::string kind : {"home", "school", "isp"}) {
    const fs::path file = dir / (kind + ".yaml");
    const auto made = run_command(sproutdns_path() + " init --kind " + kind + " -o " + file.string() + " 2>&1");
    INFO(kind << ": " << made.output);
    CHECK(made.exit_code == 0);
    CHECK(read_file(file).starts_with("# Sprout reference config"));
    if (kind == "school") write_file(dir / "allow/school.txt", "school.example\n");  // the list it names
    const auto checked = run_command(sproutdns_path() + " check-config " + file.string() + " 2>&1");
    INFO(checked.output);
    CHECK(checked.exit_code == 0);
  }
  write_file(dir / "mine.yaml", "# my edits\n");
  const auto again = run_command(sproutdns_path() + " init --kind home -o " + (dir / "mine.yaml").string() + " 2>&1");
  CHECK(again.exit_code == 1);
  CHECK(read_file(dir / "mine.yaml") == "# my edits\n");
  const auto bad = run_command(sproutdns_path() + " init --kind office 2>&1");
  INFO(bad.output);
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("KIND: home, school, isp") != std::string::npos);
  const auto out = run_command(sproutdns_path() + " init --kind home");
  CHECK(out.exit_code == 0);
  CHECK(out.output.find("bundled: adult") != std::string::npos);
}
