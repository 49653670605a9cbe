// End-to-end: the dashboard's server side with the real binary and curl: an account made by
// `sproutdns passwd`, a session cookie, CSRF on changes, the viewer role, the bearer token beside
// them, the audit log naming the user, and a non-loopback admin API refused without an account.
#include <catch2/catch.hpp>

#include "resolver_fixture.hpp"

using namespace sprout::e2e;
namespace fs = std::filesystem;

namespace {

constexpr const char* kToken = "e2e-dashboard-token-0123456789";

std::string dashboard_config(std::uint16_t upstream, const fs::path& dir, const std::string& admin_listen) {
  return "listen: [\"127.0.0.1:0\"]\nworkers: 1\n"
         "upstreams: [{address: 127.0.0.1, port: " + std::to_string(upstream) + ", timeout: 500ms, tries: 1}]\n"
         "state_dir: " + dir.string() + "/state\n"
         "admin: {listen: \"" + admin_listen + "\", token: " + kToken + "}\n"
         "categories: {games: {}}\n"
         "lists: {games: {category: games, source: games.txt}}\n"
         "profiles: {default: {}, kids: {block: [games], deny: [bad.test]}}\n"
         "networks: {home: {cidrs: [127.0.0.1/32], profile: kids}}\n";
}

struct Curl {
  std::uint16_t port;
  fs::path jar;
  // -s: quiet; -w: the status on the last line; -b/-c: the cookie jar a browser would keep.
  CommandResult run(const std::string& method, const std::string& path, const std::string& args = "") const {
    return run_command("curl -s --max-time 10 -X " + method + " -b " + jar.string() + " -c " + jar.string() + " " + args +
                       " -w '\\n%{http_code}' 'http://127.0.0.1:" + std::to_string(port) + path + "'");
  }
  static int status(const CommandResult& r) {
    const auto nl = r.output.rfind('\n');
    return nl == std::string::npos ? 0 : std::atoi(r.output.c_str() + nl + 1);
  }
  static std::string csrf(const CommandResult& r) {
    const auto at = r.output.find("\"csrf\":\"");
    return at == std::string::npos ? "" : r.output.substr(at + 8, 43);
  }
};

std::string passwd(const fs::path& config, const std::string& args, const std::string& password) {
  return run_command("printf '%s\\n' '" + password + "' | " + sproutdns_path() + " passwd -c " + config.string() + " " + args).output;
}

}  // namespace

TEST_CASE("dashboard: accounts, session cookie, CSRF and roles against the real server", "[resolver][dashboard]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  write_file(dir / "games.txt", "games.test\n");
  const std::uint16_t admin = free_tcp_port();
  const std::string config = dashboard_config(upstream.port(), dir.path(), "127.0.0.1:" + std::to_string(admin));
  write_file(dir / "sprout.yaml", config);
  CHECK(passwd(dir / "sprout.yaml", "--user teacher", "teacher-password").find("user teacher (admin) saved") != std::string::npos);
  CHECK(passwd(dir / "sprout.yaml", "--user parent --role viewer", "parent-password").find("(viewer) saved") != std::string::npos);
  CHECK(passwd(dir / "sprout.yaml", "--user x", "short").find("at least 8") != std::string::npos);
  CHECK((fs::status(dir / "state/accounts.json").permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
  Resolver r(dir.path(), config);
  const Curl teacher{admin, dir / "teacher.jar"}, parent{admin, dir / "parent.jar"};
  REQUIRE(wait_until([&] { return Curl::status(teacher.run("GET", "/api/setup")) == 200; }, 5000ms));
  CHECK(teacher.run("GET", "/api/setup").output.starts_with("{\"needed\":false}"));

  CHECK(Curl::status(teacher.run("POST", "/api/login", "--data 'user=teacher&password=wrong-password'")) == 401);
  const CommandResult in = teacher.run("POST", "/api/login", "--data 'user=teacher&password=teacher-password'");
  REQUIRE(Curl::status(in) == 200);
  const std::string csrf = Curl::csrf(in);
  REQUIRE(csrf.size() == 43);
  CHECK(read_file(dir / "teacher.jar").find("#HttpOnly_127.0.0.1") != std::string::npos);
  CHECK(Curl::status(teacher.run("GET", "/api/pauses")) == 200);
  // The overview counts exactly the traffic sent (the minute in progress included).
  for (int i = 0; i < 3; ++i) CHECK(dig(r.udp_port(), "games.test A").output.find("status: NXDOMAIN") != std::string::npos);
  for (int i = 0; i < 2; ++i) CHECK(dig(r.udp_port(), "ok.test A").output.find("status: NOERROR") != std::string::npos);
  const std::string overview = teacher.run("GET", "/api/overview?period=today").output;
  INFO(overview);
  CHECK(overview.find("\"totals\":{\"queries\":5,\"blocked\":3,\"safesearch\":0,\"bypass\":0}") != std::string::npos);
  CHECK(overview.find("\"by_network\":[{\"network\":\"home\",\"queries\":5,\"blocked\":3}]") != std::string::npos);
  CHECK(overview.find("\"by_category\":[{\"category\":\"games\",\"blocked\":3}]") != std::string::npos);
  CHECK(overview.find("\"lists\":[{\"name\":\"games\",\"category\":\"games\",\"state\":\"ok\",\"entries\":1") != std::string::npos);
  CHECK(overview.find("\"client") == std::string::npos);  // aggregates only
  CHECK(Curl::status(teacher.run("GET", "/api/overview?period=1y")) == 400);
  // Allow a blocked domain for the profile: the DNS answer changes at once; explain names the
  // override; undo puts it back.
  const std::string change = "-H 'X-CSRF-Token: " + csrf + "' ";
  CHECK(dig(r.udp_port(), "games.test A").output.find("status: NXDOMAIN") != std::string::npos);
  const CommandResult allowed = teacher.run("POST", "/api/override", change + "--data 'profile=kids&kind=domain&domain=games.test&action=allow'");
  INFO(allowed.output);
  REQUIRE(Curl::status(allowed) == 200);
  const auto id_at = allowed.output.find("\"audit_id\":");
  REQUIRE(id_at != std::string::npos);
  const std::string audit_id = allowed.output.substr(id_at + 11, allowed.output.find('}', id_at) - id_at - 11);
  CHECK(dig(r.udp_port(), "games.test A").output.find("status: NOERROR") != std::string::npos);
  CHECK(read_file(dir / "state/overrides.json").find("\"games.test\"") != std::string::npos);
  const std::string why = teacher.run("GET", "/api/explain?network=home&name=games.test").output;
  CHECK(why.find("\"reason\":\"override\"") != std::string::npos);
  CHECK(teacher.run("GET", "/api/overrides").output.find("games.test") != std::string::npos);
  const CommandResult invalid = teacher.run("POST", "/api/override", change + "--data 'profile=nobody&kind=colour'");
  CHECK(Curl::status(invalid) == 422);
  CHECK(invalid.output.find("unknown profile 'nobody'") != std::string::npos);
  CHECK(invalid.output.find("kind must be domain, category or schedule") != std::string::npos);
  CHECK(teacher.run("GET", "/api/audit?last=1").output.find("\"undoable\": true") != std::string::npos);
  CHECK(Curl::status(teacher.run("POST", "/api/undo?id=" + audit_id, change)) == 200);
  CHECK(dig(r.udp_port(), "games.test A").output.find("status: NXDOMAIN") != std::string::npos);
  CHECK(Curl::status(teacher.run("POST", "/api/undo?id=" + audit_id, change)) == 409);  // once
  CHECK(Curl::status(teacher.run("POST", "/api/refresh?list=games", change)) == 202);
  CHECK(Curl::status(teacher.run("POST", "/api/refresh?list=nope", change)) == 404);
  // A change by cookie: refused without the CSRF token, and from another origin.
  const std::string pause = "/api/pause?scope=network&target=home&for=60";
  CHECK(Curl::status(teacher.run("POST", pause)) == 403);
  CHECK(Curl::status(teacher.run("POST", pause, "-H 'X-CSRF-Token: " + csrf + "' -H 'Origin: http://evil.example'")) == 403);
  const CommandResult paused = teacher.run("POST", pause, "-H 'X-CSRF-Token: " + csrf + "' -H 'Origin: http://127.0.0.1:" + std::to_string(admin) + "'");
  CHECK(Curl::status(paused) == 200);
  CHECK(dig(r.udp_port(), "games.test A").output.find("status: NOERROR") != std::string::npos);  // paused
  const std::string audit = teacher.run("GET", "/api/audit?last=1").output;
  INFO(audit);
  CHECK(audit.find("\"principal\": \"teacher\"") != std::string::npos);
  // A pause is undone like an override: filtering is back at once.
  const auto pause_id = paused.output.substr(paused.output.find("\"audit_id\":") + 11);
  CHECK(Curl::status(teacher.run("POST", "/api/undo?id=" + pause_id.substr(0, pause_id.find(',')), change)) == 200);
  CHECK(dig(r.udp_port(), "games.test A").output.find("status: NXDOMAIN") != std::string::npos);
  CHECK(teacher.run("GET", "/api/pauses").output.find("home") == std::string::npos);
  // A viewer looks but does not change; the bearer token needs no CSRF.
  const CommandResult viewer = parent.run("POST", "/api/login", "--data 'user=parent&password=parent-password'");
  REQUIRE(Curl::status(viewer) == 200);
  CHECK(Curl::status(parent.run("GET", "/api/audit")) == 200);
  CHECK(Curl::status(parent.run("POST", pause + "&cancel=1", "-H 'X-CSRF-Token: " + Curl::csrf(viewer) + "'")) == 403);
  CHECK(Curl::status(parent.run("POST", pause + "&cancel=1", std::string("-H 'Authorization: Bearer ") + kToken + "'")) == 200);
  // Deleted while signed in: the session ends at once.
  CHECK(passwd(dir / "sprout.yaml", "--user parent --delete", "").find("deleted") != std::string::npos);
  CHECK(Curl::status(parent.run("GET", "/api/audit")) == 401);
  CHECK(Curl::status(teacher.run("POST", "/api/logout", "-H 'X-CSRF-Token: " + csrf + "'")) == 204);
  CHECK(Curl::status(teacher.run("GET", "/api/pauses")) == 401);
}

TEST_CASE("dashboard: a non-loopback admin API without an account is refused at start", "[resolver][dashboard]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  const std::string config = dashboard_config(53, dir.path(), "0.0.0.0:0");
  write_file(dir / "sprout.yaml", config);
  write_file(dir / "games.txt", "games.test\n");
  const CommandResult refused = run_command("timeout 10 " + sproutdns_path() + " --config " + (dir / "sprout.yaml").string() + " 2>&1");
  CHECK(refused.exit_code == 1);
  CHECK(refused.output.find("is not a loopback address and no dashboard account exists") != std::string::npos);
}
