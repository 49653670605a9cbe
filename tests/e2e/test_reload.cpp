// End-to-end: what a SIGHUP applies, key group by key group, observed from outside the
// binary (answers, the upstream's log, the admin API, the query log export), and what it
// names as needing a restart while the old setting keeps serving.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <csignal>
#include <ctime>
#include <functional>
#include <sstream>
#include <thread>

#include "http_server.hpp"
#include "resolver_fixture.hpp"

using namespace sprout::e2e;
namespace fs = std::filesystem;

namespace {

constexpr const char* kOldToken = "reload-old-token-0123456789";
constexpr const char* kNewToken = "reload-new-token-9876543210";

bool poll_until(const std::function<bool()>& condition, Millis timeout = 5000ms) {
  const auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Writes the new config, sends SIGHUP and waits for the reload's log line; returns it.
std::string reload_with(Resolver& r, const fs::path& dir, const std::string& config) {
  const std::size_t before = count_of(r.process().stderr_text(), "reloaded ");
  write_file(dir / "sprout.yaml", config);
  r.process().signal(SIGHUP);
  std::string line;
  poll_until([&] { return count_of(r.process().stderr_text(), "reloaded ") > before; });
  const std::string err = r.process().stderr_text();
  const auto at = err.rfind("reloaded ");
  if (at != std::string::npos) line = err.substr(at, err.find('\n', at) - at);
  return line;
}

std::string status_of(std::uint16_t port, const std::string& args) {
  return parse_dig_output(dig(port, args).output).status;
}

// How many queries for `name` the fake upstream received.
std::size_t upstream_queries(const FakeUpstream& up, std::string name) {
  const auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  };
  name = lower(name);
  std::size_t n = 0;
  for (const auto& line : up.log_lines()) {
    std::istringstream in(line);
    std::string proto, id, qname;
    if (in >> proto >> id >> qname && lower(qname) == name) ++n;
  }
  return n;
}

std::string http(std::uint16_t port, const std::string& path, const std::string& extra = "") {
  return run_command("curl -s --max-time 5 " + extra + " 'http://127.0.0.1:" + std::to_string(port) + path + "'").output;
}

std::string bearer(const char* token) { return std::string("-H 'Authorization: Bearer ") + token + "'"; }

std::string querylog_export(const fs::path& dir) {
  const auto out = run_command(sproutdns_path() + " querylog --config " + (dir / "sprout.yaml").string() + " --from " +
                               today_utc() + " --to " + today_utc() + " --format jsonl");
  INFO(out.output);
  CHECK(out.exit_code == 0);
  return out.output;
}

// The parts every test shares; `rest` adds or overrides sections (each key once).
std::string config_with(std::uint16_t upstream, const fs::path& dir, const std::string& rest,
                        const std::string& listen = "\"127.0.0.1:0\"", int workers = 2) {
  return "listen: [" + listen + "]\nworkers: " + std::to_string(workers) + "\n"
         "upstreams: [{address: 127.0.0.1, port: " + std::to_string(upstream) + ", timeout: 500ms, tries: 1}]\n"
         "state_dir: " + (dir / "state").string() + "\n" + rest;
}

// The ready file is written once the sockets are bound, before the query log is attached:
// "started:" is logged after it is.
void wait_started(Resolver& r) {
  CHECK(poll_until([&] { return r.process().stderr_text().find("started: ") != std::string::npos; }));
}

// A worker logs a query just after sending its answer. With one worker, the answer to a
// later query (from 127.0.0.1: in no network, refused, never logged) means the earlier
// queries are in the query log, under the settings they were answered with.
void fence(std::uint16_t port) { CHECK(status_of(port, "-b 127.0.0.1 fence.example A") == "REFUSED"); }

}  // namespace

TEST_CASE("reload: profiles and lists apply, a name becomes blocked", "[resolver][reload]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream up(dir.path(), "up", UpstreamSpec{});
  write_file(dir / "local.txt", "listed.test\n");
  write_file(dir / "extra.txt", "added.test\n");
  const std::string common = "admin: {enabled: false}\nstats: {enabled: false}\n"
                             "categories: {local: {}, extra: {}}\n"
                             "networks: {lo: {cidrs: [127.0.0.1/32], profile: default}}\n";
  const std::string local = "  local: {category: local, source: " + (dir / "local.txt").string() + "}\n";
  Resolver r(dir.path(), config_with(up.port(), dir.path(), common + "lists:\n" + local + "profiles: {default: {block: []}}\n"));
  CHECK(status_of(r.udp_port(), "listed.test A") == "NOERROR");
  CHECK(status_of(r.udp_port(), "added.test A") == "NOERROR");

  const std::string line = reload_with(
      r, dir.path(),
      config_with(up.port(), dir.path(),
                  common + "lists:\n" + local + "  extra: {category: extra, source: " + (dir / "extra.txt").string() +
                      "}\nprofiles: {default: {block: [local, extra]}}\n"));
  INFO(r.process().stderr_text());
  CHECK(line.find("applied: lists, profiles") != std::string::npos);
  CHECK(line.find("restart") == std::string::npos);
  CHECK(status_of(r.udp_port(), "listed.test A") == "NXDOMAIN");
  CHECK(status_of(r.udp_port(), "www.added.test A") == "NXDOMAIN");
  CHECK(status_of(r.udp_port(), "clean.example A") == "NOERROR");
}

TEST_CASE("reload: query_log.opt_out stops logging a network at once", "[resolver][reload][querylog]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream up(dir.path(), "up", UpstreamSpec{});
  const std::string common = "admin: {enabled: false}\nstats: {enabled: false}\n"
                             "networks: {kids: {cidrs: [127.0.0.2/32], profile: default}, "
                             "staff: {cidrs: [127.0.0.3/32], profile: default}}\n";
  const std::string one = "\"127.0.0.1:0\"";
  Resolver r(dir.path(), config_with(up.port(), dir.path(), common + "query_log: {enabled: true}\n", one, 1));
  wait_started(r);
  CHECK(status_of(r.udp_port(), "-b 127.0.0.2 before-kids.example A") == "NOERROR");
  fence(r.udp_port());

  const std::string line = reload_with(
      r, dir.path(), config_with(up.port(), dir.path(), common + "query_log: {enabled: true, opt_out: [kids]}\n", one, 1));
  CHECK(line.find("applied: query_log.opt_out") != std::string::npos);
  CHECK(status_of(r.udp_port(), "-b 127.0.0.2 after-kids.example A") == "NOERROR");
  CHECK(status_of(r.udp_port(), "-b 127.0.0.3 after-staff.example A") == "NOERROR");
  REQUIRE(r.process().terminate() == std::optional<int>(0));
  const std::string log = querylog_export(dir.path());
  INFO(log);
  CHECK(log.find("before-kids.example") != std::string::npos);  // logged before the reload, kept
  CHECK(log.find("after-kids.example") == std::string::npos);   // opted out by the reload
  CHECK(log.find("after-staff.example") != std::string::npos);  // the rest is still logged
}

TEST_CASE("reload: query_log.enabled turns the log on and off", "[resolver][reload][querylog]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream up(dir.path(), "up", UpstreamSpec{});
  const std::string common = "admin: {enabled: false}\nstats: {enabled: false}\n"
                             "networks: {kids: {cidrs: [127.0.0.2/32], profile: default}}\n";
  const std::string one = "\"127.0.0.1:0\"";
  Resolver r(dir.path(), config_with(up.port(), dir.path(), common, one, 1));
  wait_started(r);
  CHECK(status_of(r.udp_port(), "-b 127.0.0.2 while-off.example A") == "NOERROR");
  fence(r.udp_port());
  CHECK(reload_with(r, dir.path(), config_with(up.port(), dir.path(), common + "query_log: {enabled: true}\n", one, 1))
            .find("applied: query_log.enabled") != std::string::npos);
  CHECK(status_of(r.udp_port(), "-b 127.0.0.2 while-on.example A") == "NOERROR");
  fence(r.udp_port());
  CHECK(reload_with(r, dir.path(), config_with(up.port(), dir.path(), common + "query_log: {enabled: false}\n", one, 1))
            .find("applied: query_log.enabled") != std::string::npos);
  CHECK(status_of(r.udp_port(), "-b 127.0.0.2 off-again.example A") == "NOERROR");
  REQUIRE(r.process().terminate() == std::optional<int>(0));
  // The export reads the configured database even though the final config has the log off.
  const std::string log = querylog_export(dir.path());
  INFO(log);
  CHECK(log.find("while-on.example") != std::string::npos);
  CHECK(log.find("while-off.example") == std::string::npos);
  CHECK(log.find("off-again.example") == std::string::npos);
}

TEST_CASE("reload: admin.token and stats.threshold apply; /api/stats lists what was applied", "[resolver][reload][monitoring]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream up(dir.path(), "up", UpstreamSpec{});
  write_file(dir / "gambling.txt", "gambling.test\n");
  const std::uint16_t admin = free_tcp_port();
  const auto config = [&](const char* token, int threshold) {
    return config_with(up.port(), dir.path(),
                       "admin: {listen: \"127.0.0.1:" + std::to_string(admin) + "\", token: " + token + "}\n"
                       "stats: {threshold: " + std::to_string(threshold) + "}\n"
                       "categories: {gambling: {}}\n"
                       "lists: {gambling: {category: gambling, source: " + (dir / "gambling.txt").string() + "}}\n"
                       "profiles: {default: {block: [gambling]}}\n"
                       "networks: {lo: {cidrs: [127.0.0.1/32], profile: default}}\n");
  };
  Resolver r(dir.path(), config(kOldToken, 5));
  for (int i = 0; i < 3; ++i) CHECK(status_of(r.udp_port(), "w" + std::to_string(i) + ".gambling.test A") == "NXDOMAIN");
  const std::string report = "/api/report?from=" + today_utc() + "&to=" + today_utc() + "&format=csv&lang=en";
  const std::string before = http(admin, report, bearer(kOldToken));
  INFO(before);
  CHECK(before.find("Blocked,<5") != std::string::npos);

  const std::string line = reload_with(r, dir.path(), config(kNewToken, 1));
  INFO(r.process().stderr_text());
  CHECK(line.find("applied: admin.token, stats.threshold") != std::string::npos);
  const std::string code = "-o /dev/null -w '%{http_code}' ";
  CHECK(http(admin, "/api/explain?client=127.0.0.1&name=x.gambling.test", code + bearer(kOldToken)) == "401");
  CHECK(http(admin, "/api/explain?client=127.0.0.1&name=x.gambling.test", code + bearer(kNewToken)) == "200");
  const std::string after = http(admin, report, bearer(kNewToken));
  INFO(after);
  CHECK(after.find("Blocked,3") != std::string::npos);  // the same counts, the new threshold
  const std::string stats = http(admin, "/api/stats");
  INFO(stats);
  CHECK(stats.find("\"reload\":{\"pending_restart\":[],\"applied\":[\"admin.token\",\"stats.threshold\"]}") !=
        std::string::npos);
}

TEST_CASE("reload: cache.max_entries=0 stops answers from the cache; an unchanged cache stays warm", "[resolver][reload][cache]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream up(dir.path(), "up", UpstreamSpec{});
  const std::string common = "admin: {enabled: false}\nstats: {enabled: false}\n"
                             "networks: {lo: {cidrs: [127.0.0.1/32], profile: default}}\n";
  Resolver r(dir.path(), config_with(up.port(), dir.path(), common));
  CHECK(status_of(r.udp_port(), "warm.example A") == "NOERROR");
  CHECK(status_of(r.udp_port(), "warm.example A") == "NOERROR");
  CHECK(upstream_queries(up, "warm.example") == 1);

  // Another key changes: the cache carries over, the answer still comes from it.
  CHECK(reload_with(r, dir.path(), config_with(up.port(), dir.path(), common + "allow: [allowed.example]\n"))
            .find("applied: allow") != std::string::npos);
  CHECK(status_of(r.udp_port(), "warm.example A") == "NOERROR");
  CHECK(upstream_queries(up, "warm.example") == 1);

  const std::string line = reload_with(
      r, dir.path(), config_with(up.port(), dir.path(), common + "allow: [allowed.example]\ncache: {max_entries: 0}\n"));
  CHECK(line.find("applied: cache.max_entries") != std::string::npos);
  for (int i = 0; i < 2; ++i) CHECK(status_of(r.udp_port(), "warm.example A") == "NOERROR");
  CHECK(upstream_queries(up, "warm.example") == 3);  // both went upstream: no cache any more
}

TEST_CASE("reload: upstreams apply without a restart", "[resolver][reload]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream first(dir.path(), "first", UpstreamSpec{});
  FakeUpstream second(dir.path(), "second", UpstreamSpec{"normal", "192.0.2.77"});
  const std::string common = "admin: {enabled: false}\nstats: {enabled: false}\n"
                             "networks: {lo: {cidrs: [127.0.0.1/32], profile: default}}\n";
  Resolver r(dir.path(), config_with(first.port(), dir.path(), common));
  CHECK(parse_dig_output(dig(r.udp_port(), "before.example A").output).answer_data("A") == std::vector<std::string>{"192.0.2.1"});
  const std::string line = reload_with(r, dir.path(), config_with(second.port(), dir.path(), common));
  CHECK(line.find("applied: upstreams") != std::string::npos);
  CHECK(line.find("restart") == std::string::npos);
  CHECK(parse_dig_output(dig(r.udp_port(), "after.example A").output).answer_data("A") == std::vector<std::string>{"192.0.2.77"});
  CHECK(second.saw_query("after.example."));
  CHECK_FALSE(first.saw_query("after.example."));
}

TEST_CASE("reload: a changed listen is named as needing a restart while the old listener serves", "[resolver][reload]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream up(dir.path(), "up", UpstreamSpec{});
  const std::uint16_t admin = free_tcp_port();
  const std::string common = "admin: {listen: \"127.0.0.1:" + std::to_string(admin) + "\"}\nstats: {enabled: false}\n"
                             "networks: {lo: {cidrs: [127.0.0.1/32], profile: default}}\n";
  Resolver r(dir.path(), config_with(up.port(), dir.path(), common));
  const std::uint16_t other = free_tcp_port();
  const std::string moved = "\"127.0.0.1:" + std::to_string(other) + "\"";
  const std::string line = reload_with(
      r, dir.path(), config_with(up.port(), dir.path(), common + "deny: [denied.example]\n", moved));
  INFO(r.process().stderr_text());
  CHECK(line.find("applied: deny") != std::string::npos);
  CHECK(line.find("listen needs a restart") != std::string::npos);
  CHECK(status_of(r.udp_port(), "denied.example A") == "NXDOMAIN");  // the old port, the new policy
  CHECK(status_of(other, "denied.example A") != "NXDOMAIN");         // nothing bound there
  std::string stats = http(admin, "/api/stats");
  INFO(stats);
  CHECK(stats.find("\"pending_restart\":[\"listen\"],\"applied\":[\"deny\"]") != std::string::npos);

  // Still pending at the next reload, even though only another key changed then.
  CHECK(reload_with(r, dir.path(), config_with(up.port(), dir.path(), common + "deny: [other.example]\n", moved))
            .find("listen needs a restart") != std::string::npos);
  stats = http(admin, "/api/stats");
  CHECK(stats.find("\"pending_restart\":[\"listen\"],\"applied\":[\"deny\"]") != std::string::npos);
  // Back to the started value: nothing pending.
  CHECK(reload_with(r, dir.path(), config_with(up.port(), dir.path(), common + "deny: [other.example]\n"))
            .find("restart") == std::string::npos);
  CHECK(http(admin, "/api/stats").find("\"pending_restart\":[]") != std::string::npos);
}

TEST_CASE("reload: a download that finishes after a reload is served, not thrown away", "[resolver][reload][lists][http]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream up(dir.path(), "up", UpstreamSpec{});
  ListHttpServer server("remote-blocked.test\n", 1500ms);
  const auto config = [&](const std::string& deny) {
    return config_with(up.port(), dir.path(),
                       "admin: {enabled: false}\nstats: {enabled: false}\n"
                       "categories: {remote: {}}\n"
                       "lists: {remote: {category: remote, source: \"http://127.0.0.1:" + std::to_string(server.port()) +
                           "/list.txt\", refresh: 24h}}\n"
                       "profiles: {default: {block: [remote]}}\n"
                       "deny: [" + deny + "]\n"
                       "networks: {lo: {cidrs: [127.0.0.1/32], profile: default}}\n");
  };
  Resolver r(dir.path(), config("one.example"));
  REQUIRE(poll_until([&] { return server.requests() == 1; }));  // the download is under way
  // The reload's snapshot is built while the list server still holds the answer back.
  CHECK(reload_with(r, dir.path(), config("two.example")).find("applied: deny") != std::string::npos);
  CHECK(status_of(r.udp_port(), "two.example A") == "NXDOMAIN");
  const bool blocked = poll_until([&] { return status_of(r.udp_port(), "remote-blocked.test A") == "NXDOMAIN"; }, 8000ms);
  INFO(r.process().stderr_text());
  CHECK(blocked);  // before the fix: only after the 24 h refresh
  CHECK(status_of(r.udp_port(), "two.example A") == "NXDOMAIN");  // under the reloaded config
  CHECK(status_of(r.udp_port(), "one.example A") == "NOERROR");
  const std::string err = r.process().stderr_text();
  CHECK(err.find("rebuilding for the current one from last-good copies") != std::string::npos);
  CHECK(err.find("lists: 1 loaded (1 unchanged, reused)") != std::string::npos);  // the download's parse, not a new one
  std::this_thread::sleep_for(500ms);
  CHECK(server.requests() == 1);  // the download in flight answered for the reload too
}
