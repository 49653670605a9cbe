// The admin API's sign-in rules, through the router: first-run setup, login and its limits, the
// session cookie, CSRF and Origin on changes, the viewer role, and the bearer token beside them.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "admin_routes.hpp"
#include "http_test_client.hpp"
#include "sprout/admin/admin_server.hpp"
#include "sprout/core/json.hpp"

using namespace sprout::admin;
using namespace sprout::admin::detail;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const Peer kLocal{"127.0.0.1", true};
const Peer kLan{"192.0.2.7", false};

struct World {
  World() : dir(fs::temp_directory_path() / ("sprout-dash-" + std::to_string(::getpid()) + "-" + std::to_string(++n))) {
    fs::create_directories(dir);
    options.token = "script-token-0123456789";
    options.accounts_file = (dir / "accounts.json").string();
    auth = std::make_unique<AuthState>(options.accounts_file);
    auth->now = [this] { return now; };
    h.reload = [this] { return ++reloads, ReloadResult{true, "ok"}; };
    h.pause = [this](const QueryParams& p) { return last = p, ReportResult{200, "application/json", "{}"}; };
    h.pauses_json = [] { return std::string("{\"pauses\":[]}"); };
  }
  ~World() { fs::remove_all(dir); }

  Response call(http::verb method, const std::string& target, const std::string& headers = {}, std::string body = {},
                const Peer& peer = kLocal) {
    Request req{method, target, 11};
    req.set(http::field::host, "127.0.0.1:8053");
    for (std::size_t at = 0; at < headers.size();) {
      const auto eol = headers.find('\n', at);
      const std::string line = headers.substr(at, eol - at);
      const auto colon = line.find(": ");
      req.set(to_beast(line.substr(0, colon)), line.substr(colon + 2));
      at = eol == std::string::npos ? headers.size() : eol + 1;
    }
    if (!body.empty()) req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.body() = std::move(body);
    req.prepare_payload();
    return route_request(req, peer, options, h, *auth);
  }
  Response post(const std::string& target, const std::string& headers = {}, std::string body = {}, const Peer& peer = kLocal) {
    return call(http::verb::post, target, headers, std::move(body), peer);
  }
  Response get(const std::string& target, const std::string& headers = {}) { return call(http::verb::get, target, headers); }

  fs::path dir;
  AdminOptions options;
  Handlers h;
  std::unique_ptr<AuthState> auth;
  SteadyClock::time_point now = SteadyClock::time_point{} + 1000h;
  int reloads = 0;
  QueryParams last;
  static inline int n = 0;
};

sprout::core::Json body_json(const Response& r) { return sprout::core::Json::parse(r.body(), nullptr, false); }

// "sprout_session=ID; ..." -> "Cookie: sprout_session=ID"
std::string cookie_of(const Response& r) {
  const std::string set = std::string(to_std(r[http::field::set_cookie]));
  return "Cookie: other=1; " + set.substr(0, set.find(';'));
}

struct SignedIn {
  std::string cookie, csrf;
};

SignedIn sign_in(World& w, const std::string& user, const std::string& password) {
  const Response r = w.post("/api/login", {}, "user=" + user + "&password=" + password);
  REQUIRE(r.result_int() == 200);
  return {cookie_of(r), body_json(r)["csrf"].get<std::string>()};
}

void add_user(World& w, const std::string& user, Role role, const std::string& password) {
  std::string error;
  REQUIRE(w.auth->accounts.refresh(error));
  w.auth->accounts.put(make_account(user, role, password));
  REQUIRE(w.auth->accounts.save(error));
}

}  // namespace

TEST_CASE("dashboard: first-run setup only from loopback, only once", "[admin][auth]") {
  World w;
  CHECK(w.get("/api/setup").body() == "{\"needed\":true}\n");
  CHECK(w.post("/api/setup", {}, "user=admin&password=long-enough-1", kLan).result_int() == 403);
  CHECK(w.post("/api/setup", {}, "user=admin&password=short").result_int() == 422);
  CHECK(w.post("/api/setup", {}, "user=bad%20name&password=long-enough-1").result_int() == 422);
  CHECK(w.post("/api/setup", "Origin: http://evil.example", "user=admin&password=long-enough-1").result_int() == 403);
  const Response r = w.post("/api/setup", {}, "user=admin&password=long-enough-1");
  REQUIRE(r.result_int() == 200);
  CHECK(body_json(r)["role"] == "admin");
  CHECK(w.get("/api/setup").body() == "{\"needed\":false}\n");
  CHECK(w.post("/api/setup", {}, "user=second&password=long-enough-2").result_int() == 403);
  CHECK(fs::exists(w.dir / "accounts.json"));
}

TEST_CASE("dashboard: login sets an HttpOnly SameSite=Strict session cookie", "[admin][auth]") {
  World w;
  add_user(w, "alice", Role::admin, "alice-password");
  CHECK(w.post("/api/login", {}, "user=alice&password=wrong-password").result_int() == 401);
  CHECK(w.post("/api/login", {}, "user=nobody&password=alice-password").result_int() == 401);
  const Response r = w.post("/api/login", {}, "user=alice&password=alice-password");
  REQUIRE(r.result_int() == 200);
  const std::string cookie = std::string(to_std(r[http::field::set_cookie]));
  CHECK(cookie.starts_with("sprout_session="));
  CHECK(cookie.find("; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200") != std::string::npos);
  CHECK(cookie.find(';') - std::string("sprout_session=").size() == 43);
  const auto j = body_json(r);
  CHECK(j["user"] == "alice");
  CHECK(j["role"] == "admin");
  const Response s = w.get("/api/session", cookie_of(r));
  REQUIRE(s.result_int() == 200);
  CHECK(body_json(s)["csrf"] == j["csrf"]);
  CHECK(w.get("/api/session").result_int() == 401);
  CHECK(w.get("/api/session", "Cookie: sprout_session=forged").result_int() == 401);
  // Query string and form body both work; the body wins.
  CHECK(w.post("/api/login?user=alice&password=alice-password", {}, "password=nope-nope").result_int() == 401);
  CHECK(w.post("/api/login?user=alice&password=alice-password").result_int() == 200);
  // Logout ends the session, with the CSRF token.
  const SignedIn in = sign_in(w, "alice", "alice-password");
  CHECK(w.post("/api/logout", in.cookie).result_int() == 403);
  CHECK(w.post("/api/logout", in.cookie + "\nX-CSRF-Token: " + in.csrf).result_int() == 204);
  CHECK(w.get("/api/session", in.cookie).result_int() == 401);
  // A session also ends when idle too long.
  const SignedIn idle = sign_in(w, "alice", "alice-password");
  w.now += 2h;
  CHECK(w.get("/api/session", idle.cookie).result_int() == 401);
}

TEST_CASE("dashboard: a change by cookie needs the CSRF token and this server's Origin", "[admin][auth]") {
  World w;
  add_user(w, "alice", Role::admin, "alice-password");
  const SignedIn in = sign_in(w, "alice", "alice-password");
  CHECK(w.post("/api/reload", in.cookie).result_int() == 403);
  CHECK(w.post("/api/reload", in.cookie + "\nX-CSRF-Token: wrong").result_int() == 403);
  CHECK(w.post("/api/reload", in.cookie + "\nX-CSRF-Token: " + in.csrf + "\nOrigin: http://evil.example").result_int() == 403);
  CHECK(w.post("/api/reload", in.cookie + "\nX-CSRF-Token: " + in.csrf + "\nOrigin: null").result_int() == 403);
  CHECK(w.reloads == 0);
  CHECK(w.post("/api/reload", in.cookie + "\nX-CSRF-Token: " + in.csrf + "\nOrigin: http://127.0.0.1:8053").result_int() == 200);
  CHECK(w.post("/api/reload", in.cookie + "\nX-CSRF-Token: " + in.csrf).result_int() == 200);
  CHECK(w.reloads == 2);
  // The principal handed to a change is the user, whatever the request says.
  CHECK(w.post("/api/pause?principal=mallory", in.cookie + "\nX-CSRF-Token: " + in.csrf, "scope=network&principal=eve").result_int() == 200);
  CHECK(w.last.at("principal") == "alice");
  CHECK(w.last.at("scope") == "network");
  // A login from another site's page is refused too (login CSRF).
  CHECK(w.post("/api/login", "Origin: http://evil.example", "user=alice&password=alice-password").result_int() == 403);
  // Form bodies only.
  Request json{http::verb::post, "/api/reload", 11};
  json.set(http::field::content_type, "application/json");
  json.body() = "{}";
  json.prepare_payload();
  CHECK(route_request(json, kLocal, w.options, w.h, *w.auth).result_int() == 415);
}

TEST_CASE("dashboard: viewers look, the bearer token still does everything", "[admin][auth]") {
  World w;
  add_user(w, "parent", Role::viewer, "parent-password");
  const SignedIn in = sign_in(w, "parent", "parent-password");
  CHECK(w.get("/api/pauses", in.cookie).result_int() == 200);
  CHECK(w.post("/api/reload", in.cookie + "\nX-CSRF-Token: " + in.csrf).result_int() == 403);
  CHECK(w.reloads == 0);
  CHECK(w.get("/api/pauses").result_int() == 401);
  const std::string bearer = "Authorization: Bearer script-token-0123456789";
  CHECK(w.get("/api/pauses", bearer).result_int() == 200);
  CHECK(w.post("/api/reload", bearer + "\nOrigin: http://127.0.0.1:8053").result_int() == 200);
  CHECK(w.post("/api/pause?via=cli", bearer).result_int() == 200);
  CHECK(w.last.at("principal") == "cli");
  CHECK(w.post("/api/pause", bearer).result_int() == 200);
  CHECK(w.last.at("principal") == "token");
  // The role is read from the accounts file on each request: promoted, the viewer may change.
  add_user(w, "parent", Role::admin, "parent-password");
  CHECK(w.post("/api/reload", in.cookie + "\nX-CSRF-Token: " + in.csrf).result_int() == 200);
  // Deleted (sproutdns passwd --delete), the session ends.
  std::string error;
  w.auth->accounts.remove("parent");
  REQUIRE(w.auth->accounts.save(error));
  CHECK(w.get("/api/pauses", in.cookie).result_int() == 401);
}

TEST_CASE("dashboard: failed logins are limited per address and per user", "[admin][auth]") {
  World w;
  add_user(w, "alice", Role::admin, "alice-password");
  for (int i = 0; i < 5; ++i) CHECK(w.post("/api/login", {}, "user=alice&password=guess-" + std::to_string(i), kLan).result_int() == 401);
  const Response r = w.post("/api/login", {}, "user=alice&password=alice-password", kLan);
  CHECK(r.result_int() == 429);
  CHECK(to_std(r[http::field::retry_after]) == "300");
  // Another address may still sign in as alice (the user limit is higher)...
  CHECK(w.post("/api/login", {}, "user=alice&password=alice-password").result_int() == 200);
  // ...until many addresses have failed for her.
  for (int i = 0; i < 10; ++i) {
    w.post("/api/login", {}, "user=alice&password=guess", Peer{"198.51.100." + std::to_string(i), false});
  }
  CHECK(w.post("/api/login", {}, "user=alice&password=alice-password").result_int() == 429);
  w.now += 301s;
  CHECK(w.post("/api/login", {}, "user=alice&password=alice-password", kLan).result_int() == 200);
}

TEST_CASE("dashboard: no token and no account: guarded routes are off (403)", "[admin][auth]") {
  World w;
  w.options.token.clear();
  CHECK(w.get("/api/pauses").result_int() == 403);
  add_user(w, "alice", Role::admin, "alice-password");
  CHECK(w.get("/api/pauses").result_int() == 401);
}

TEST_CASE("dashboard: the cookie over a real socket", "[admin][auth]") {
  World w;
  add_user(w, "alice", Role::admin, "alice-password");
  sprout::admin::test::IoThread io;
  AdminServer server(io.ioc(), w.options, w.h);
  const auto login = sprout::admin::test::http_raw(
      server.port(), "POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     "Content-Length: 34\r\nConnection: close\r\n\r\nuser=alice&password=alice-password");
  REQUIRE(login.status == 200);
  const std::string set = login.headers.at("set-cookie");
  const auto session = sprout::admin::test::http_get(server.port(), "/api/session", "Cookie: " + set.substr(0, set.find(';')) + "\r\n");
  CHECK(session.status == 200);
  CHECK(session.body.find("\"user\":\"alice\"") != std::string::npos);
  server.stop();
  io.stop();
}
