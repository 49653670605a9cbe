// End-to-end: traffic through the binary shows up in /metrics, the admin API, the block page
// and in HTML/CSV/JSON reports made from the stats store afterwards.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <ctime>

#include "resolver_fixture.hpp"

using namespace sprout::e2e;
namespace fs = std::filesystem;

namespace {

constexpr const char* kToken = "e2e-token-0123456789";

std::string monitoring_config(std::uint16_t upstream, const fs::path& dir, std::uint16_t admin, std::uint16_t page) {
  write_file(dir / "gambling.txt", "gambling.test\n");
  const std::string d = dir.string();
  return "listen: [\"127.0.0.1:0\"]\nworkers: 2\n"
         "upstreams: [{address: 127.0.0.1, port: " + std::to_string(upstream) + ", timeout: 500ms, tries: 1}]\n"
         "state_dir: " + d + "/state\n"
         "admin: {listen: \"127.0.0.1:" + std::to_string(admin) + "\", token: " + kToken + "}\n"
         "blockpage: {listen: \"127.0.0.1:" + std::to_string(page) + "\"}\n"
         "categories: {gambling: {}, bypass: {}}\n"
         "lists:\n"
         "  gambling: {category: gambling, source: " + d + "/gambling.txt}\n"
         "  bypass: {category: bypass, source: \"builtin:bypass\"}\n"
         "profiles: {default: {block: [gambling, bypass], safesearch: {google: true}}}\n"
         "networks: {lab: {cidrs: [127.0.0.1/32], profile: default, labels: {province: Hanoi, school: THCS-A}}}\n";
}

std::string http_get(std::uint16_t port, const std::string& path, const std::string& extra = "") {
  return run_command("curl -s --max-time 5 " + extra + " 'http://127.0.0.1:" + std::to_string(port) + path + "'").output;
}

}  // namespace

TEST_CASE("traffic shows up in metrics, the admin API, the block page and reports", "[resolver][monitoring]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  const std::uint16_t admin = free_tcp_port(), page = free_tcp_port();
  Resolver r(dir.path(), monitoring_config(upstream.port(), dir.path(), admin, page));
  const auto ask = [&](const std::string& name) { return parse_dig_output(dig(r.udp_port(), name + " A").output); };
  for (int i = 0; i < 7; ++i) CHECK(ask("w" + std::to_string(i) + ".gambling.test").status == "NXDOMAIN");
  for (int i = 0; i < 6; ++i) CHECK(ask("ok" + std::to_string(i) + ".example").status == "NOERROR");
  for (int i = 0; i < 3; ++i) CHECK(ask("dns.google").status == "NXDOMAIN");
  for (int i = 0; i < 2; ++i) CHECK(ask("www.google.com").answer_data("CNAME").size() == 1);

  CHECK(http_get(admin, "/health").starts_with("ok"));
  const std::string metrics = http_get(admin, "/metrics");
  INFO(metrics.substr(0, 3000));
  const std::string labels = "network=\"lab\",province=\"Hanoi\",school=\"THCS-A\",";
  CHECK(metrics.find("sprout_queries_total{" + labels + "category=\"gambling\",action=\"blocked\"} 7") != std::string::npos);
  CHECK(metrics.find("sprout_queries_total{" + labels + "category=\"none\",action=\"allowed\"} 6") != std::string::npos);
  CHECK(metrics.find("sprout_queries_total{" + labels + "category=\"bypass\",action=\"bypass-blocked\"} 3") != std::string::npos);
  CHECK(metrics.find("sprout_queries_total{" + labels + "category=\"none\",action=\"safesearch\"} 2") != std::string::npos);
  CHECK(metrics.find("gambling.test") == std::string::npos);  // never a domain as a label

  CHECK(http_get(admin, "/api/explain?client=127.0.0.1&name=gambling.test", "-o /dev/null -w '%{http_code}'") == "401");
  const std::string explain = http_get(admin, "/api/explain?client=127.0.0.1&name=x.gambling.test",
                                       std::string("-H 'Authorization: Bearer ") + kToken + "'");
  CHECK(explain.find("\"category\":\"gambling\"") != std::string::npos);

  const std::string blockpage = http_get(page, "/", "-H 'Host: w1.gambling.test'");
  CHECK(blockpage.find("w1.gambling.test") != std::string::npos);
  CHECK(blockpage.find("Gambling") != std::string::npos);
  CHECK(blockpage.find("Cờ bạc") != std::string::npos);

  const std::string day = today_utc();
  const std::string live = http_get(admin, "/api/report?from=" + day + "&to=" + day + "&format=json&lang=en",
                                    std::string("-H 'Authorization: Bearer ") + kToken + "'");
  INFO(live.substr(0, 2000));
  std::string compact = live;  // the report is indented JSON: compare without the layout
  std::erase_if(compact, [](char c) { return c == ' ' || c == '\n'; });
  CHECK(compact.find("{\"action\":\"blocked\",\"label\":\"Blocked\",\"count\":7}") != std::string::npos);
  // List freshness is recorded at start, not only hourly: the live report has it.
  CHECK(compact.find("\"lists\":[{\"name\":\"bypass\",\"category\":\"bypass\"") != std::string::npos);

  REQUIRE(r.process().terminate() == std::optional<int>(0));  // final flush on the way out
  const std::string base = sproutdns_path() + " report --config " + (dir / "sprout.yaml").string() +
                           " --from " + day + " --to " + day;
  REQUIRE(run_command(base + " --format csv --lang en -o " + (dir / "r.csv").string()).exit_code == 0);
  const std::string csv = read_file(dir / "r.csv");
  INFO(csv);
  CHECK(csv.find("Blocked,7") != std::string::npos);
  CHECK(csv.find("Allowed,6") != std::string::npos);
  CHECK(csv.find("SafeSearch enforced,<5") != std::string::npos);  // 2 is under the threshold
  CHECK(csv.find("Bypass blocked,<5") != std::string::npos);
  CHECK(csv.find("127.0.0.1") == std::string::npos);               // no client address anywhere
  CHECK(csv.find("\ngambling,gambling,1,") != std::string::npos);   // list freshness, after the stop too
  REQUIRE(run_command(base + " --format html --lang vi -o " + (dir / "r.html").string()).exit_code == 0);
  const std::string html = read_file(dir / "r.html");
  CHECK(html.find("<svg") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("&lt;5") != std::string::npos);
  REQUIRE(run_command(base + " --format json -o " + (dir / "r.json").string()).exit_code == 0);
  const std::string json = read_file(dir / "r.json");
  CHECK(json.find("\"count\": 7") != std::string::npos);
  CHECK(json.find("\"gambling.test\"") != std::string::npos);  // top blocked: the list entry, 7 times
  CHECK(json.find("w1.gambling.test") == std::string::npos);   // never the full names asked
}

namespace {

std::string query_log_config(std::uint16_t upstream, const fs::path& dir) {
  return "listen: [\"127.0.0.1:0\"]\nworkers: 1\n"
         "upstreams: [{address: 127.0.0.1, port: " + std::to_string(upstream) + "}]\n"
         "state_dir: " + (dir / "state").string() + "\nadmin: {enabled: false}\n"
         "query_log: {enabled: true, opt_out: [staff]}\n"
         "networks: {kids: {cidrs: [127.0.0.2/32], profile: default}, staff: {cidrs: [127.0.0.3/32], profile: default}}\n";
}

std::string export_query_log(const fs::path& dir) {
  const auto out = run_command(sproutdns_path() + " querylog --config " + (dir / "sprout.yaml").string() +
                               " --from " + today_utc() + " --to " + today_utc() + " --format jsonl");
  INFO(out.output);
  CHECK(out.exit_code == 0);
  return out.output;
}

}  // namespace

TEST_CASE("the opt-in query log keeps pseudonyms, never addresses, and honours opt-out", "[resolver][monitoring][querylog]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  Resolver r(dir.path(), query_log_config(upstream.port(), dir.path()));
  // The state this test needs is "query log attached", not "sockets bound": wait for it rather
  // than infer it from the ready file (which once came first; see the case below).
  REQUIRE(wait_until([&] { return r.process().stderr_text().find("query log on") != std::string::npos; }, 5000ms));
  CHECK(parse_dig_output(dig(r.udp_port(), "-b 127.0.0.2 logged.example A").output).status == "NOERROR");
  CHECK(parse_dig_output(dig(r.udp_port(), "-b 127.0.0.3 private.example A").output).status == "NOERROR");
  REQUIRE(r.process().terminate() == std::optional<int>(0));  // the last flush happens on the way out
  const std::string log = export_query_log(dir.path());
  INFO(log);
  CHECK(log.find("logged.example") != std::string::npos);
  CHECK(log.find("private.example") == std::string::npos);  // staff opted out
  CHECK(log.find("127.0.0.2") == std::string::npos);        // pseudonym only
}

// The query log is attached before the workers start: a query sent the moment the ready file
// appears is logged (it once was answered and never logged).
TEST_CASE("a query answered right after the ready file is in the query log", "[resolver][monitoring][querylog]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  Resolver r(dir.path(), query_log_config(upstream.port(), dir.path()));
  CHECK(udp_exchange(build_query(0x0106, "first.example.", rr_type::kA), r.udp_port(), 3000ms, "127.0.0.2",
                     {.rcode = rcode::kNoError}));
  REQUIRE(r.process().terminate() == std::optional<int>(0));
  CHECK(export_query_log(dir.path()).find("first.example") != std::string::npos);
}
