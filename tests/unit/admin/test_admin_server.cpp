// The admin server over real sockets on 127.0.0.1: routes, token rules, limits, timeouts, decoding.
#include <catch2/catch.hpp>

#include "http_test_client.hpp"
#include "sprout/admin/admin_server.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>

using namespace sprout::admin;
using namespace sprout::admin::test;
using namespace std::chrono_literals;

namespace {

struct Seen {
  std::mutex mutex;
  std::string client, name, type, device;
  QueryParams report;
  int reloads = 0;
};

struct Fixture {
  explicit Fixture(AdminOptions options = {}) {
    Handlers h;
    h.metrics = [] { return std::string("sprout_up 1\n"); };
    h.ready = [this] { return ready.load(); };
    h.problems = [this] {
      std::lock_guard lock(seen.mutex);
      return problems;
    };
    h.stats_json = [] { return std::string("{\"queries\":1}"); };
    h.explain = [this](const QueryParams& p) {
      std::lock_guard lock(seen.mutex);
      const auto get = [&](const char* k) { return p.count(k) ? p.at(k) : std::string(); };
      seen.client = get("client"), seen.name = get("name"), seen.type = get("type"), seen.device = get("device");
      if (seen.name == "throw.example") throw std::runtime_error("boom");
      return ReportResult{200, "application/json", "{\"verdict\":\"blocked\"}"};
    };
    h.reload = [this] {
      std::lock_guard lock(seen.mutex);
      ++seen.reloads;
      return ReloadResult{true, "reloaded \"v2\""};
    };
    h.report = [this](const QueryParams& p) {
      std::lock_guard lock(seen.mutex);
      seen.report = p;
      return ReportResult{200, "text/csv; charset=utf-8", "a,b\n"};
    };
    server = std::make_unique<AdminServer>(io.ioc(), std::move(options), std::move(h));
  }
  ~Fixture() {
    server.reset();
    io.stop();
  }
  std::uint16_t port() const { return server->port(); }

  std::atomic<bool> ready{false};
  std::string problems;  // under seen.mutex
  Seen seen;
  IoThread io;
  std::unique_ptr<AdminServer> server;
};

AdminOptions with_token(std::string token) {
  AdminOptions o;
  o.token = std::move(token);
  return o;
}

void check_common_headers(const HttpReply& r) {
  CHECK(r.headers.count("content-type") == 1);
  CHECK(r.headers.count("cache-control") == 1);
  if (r.headers.count("cache-control")) CHECK(r.headers.at("cache-control") == "no-store");
  if (r.headers.count("x-content-type-options")) CHECK(r.headers.at("x-content-type-options") == "nosniff");
  CHECK(r.headers.count("x-content-type-options") == 1);
}

}  // namespace

TEST_CASE("admin: /health is 503 until ready, then 200", "[admin]") {
  Fixture f;
  REQUIRE(f.port() != 0);
  auto r = http_get(f.port(), "/health");
  CHECK(r.status == 503);
  CHECK(r.body == "starting\n");
  check_common_headers(r);
  f.ready = true;
  r = http_get(f.port(), "/health");
  CHECK(r.status == 200);
  CHECK(r.body == "ok\n");
  CHECK(http_get(f.port(), "/health", {}, "HEAD").status == 200);
}

TEST_CASE("admin: /health is 503 naming each listener that is not serving", "[admin]") {
  Fixture f;
  f.ready = true;
  {
    std::lock_guard lock(f.seen.mutex);
    f.problems = "tcp 127.0.0.1:53 (worker 0) not serving: failing (3 in a row): Too many open files\n";
  }
  auto r = http_get(f.port(), "/health");
  CHECK(r.status == 503);
  CHECK(r.body == "tcp 127.0.0.1:53 (worker 0) not serving: failing (3 in a row): Too many open files\n");
  {
    std::lock_guard lock(f.seen.mutex);
    f.problems.clear();
  }
  r = http_get(f.port(), "/health");
  CHECK(r.status == 200);
  CHECK(r.body == "ok\n");
}

TEST_CASE("admin: /metrics and /api/stats are open and typed", "[admin]") {
  Fixture f;
  auto r = http_get(f.port(), "/metrics");
  CHECK(r.status == 200);
  CHECK(r.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(r.body == "sprout_up 1\n");
  check_common_headers(r);
  r = http_get(f.port(), "/api/stats");
  CHECK(r.status == 200);
  CHECK(r.headers["content-type"] == "application/json");
  CHECK(r.body == "{\"queries\":1}");
}

TEST_CASE("admin: guarded routes answer 403 when no token is configured", "[admin]") {
  Fixture f;
  for (const auto& [method, target] : {std::pair{"POST", "/api/reload"}, std::pair{"GET", "/api/report?from=1"},
                                       std::pair{"GET", "/api/explain?client=1.2.3.4&name=a.b"}}) {
    const auto r = http_get(f.port(), target, "Authorization: Bearer anything\r\n", method);
    CHECK(r.status == 403);
    check_common_headers(r);
  }
  CHECK(f.seen.reloads == 0);
}

TEST_CASE("admin: bearer token rules", "[admin]") {
  Fixture f(with_token("s3cret-token"));
  auto r = http_get(f.port(), "/api/reload", {}, "POST");
  CHECK(r.status == 401);
  CHECK(r.headers["www-authenticate"].find("Bearer") == 0);
  CHECK(http_get(f.port(), "/api/reload", "Authorization: Bearer wrong\r\n", "POST").status == 401);
  CHECK(http_get(f.port(), "/api/reload", "Authorization: Bearer s3cret-toke\r\n", "POST").status == 401);
  CHECK(http_get(f.port(), "/api/reload", "Authorization: Basic s3cret-token\r\n", "POST").status == 401);
  CHECK(f.seen.reloads == 0);
  r = http_get(f.port(), "/api/reload", "Authorization: Bearer s3cret-token\r\n", "POST");
  CHECK(r.status == 200);
  CHECK(r.body == "{\"ok\":true,\"message\":\"reloaded \\\"v2\\\"\"}\n");
  CHECK(http_get(f.port(), "/api/reload", "authorization: bearer s3cret-token\r\n", "POST").status == 200);
  CHECK(f.seen.reloads == 2);
  CHECK(http_get(f.port(), "/metrics").status == 200);  // read-only metrics need no token
}

TEST_CASE("admin: query parameters are percent-decoded", "[admin]") {
  Fixture f(with_token("t"));
  const std::string auth = "Authorization: Bearer t\r\n";
  auto r = http_get(f.port(), "/api/explain?client=10.0.0.5&name=ex%41mple.com&type=AAAA", auth);
  CHECK(r.status == 200);
  CHECK(r.headers["content-type"] == "application/json");
  CHECK(f.seen.client == "10.0.0.5");
  CHECK(f.seen.name == "exAmple.com");
  CHECK(f.seen.type == "AAAA");
  CHECK(f.seen.device.empty());
  CHECK(http_get(f.port(), "/api/explain?client=10.0.0.5&name=a.b&device=tablet%2Dan", auth).status == 200);
  CHECK(f.seen.device == "tablet-an");
  CHECK(http_get(f.port(), "/api/explain?client=10.0.0.5&name=a.b&device=" + std::string(256, 'x'), auth).status == 400);
  r = http_get(f.port(), "/api/report?from=2024-01-01&scope=province%3DH%C3%A0+N%E1%BB%99i&lang=vi&format=csv", auth);
  CHECK(r.status == 200);
  CHECK(r.headers["content-type"] == "text/csv; charset=utf-8");
  CHECK(r.body == "a,b\n");
  CHECK(f.seen.report.at("scope") == "province=Hà Nội");
  CHECK(r.headers.count("content-disposition") == 0);
  r = http_get(f.port(), "/api/report?from=2024-01-01&to=2024-01-31&format=csv&download=1", auth);
  CHECK(r.headers["content-disposition"] == "attachment; filename=\"sprout-report-2024-01-01-2024-01-31.csv\"");
  CHECK(f.seen.report.at("format") == "csv");
  CHECK(http_get(f.port(), "/api/explain?client=1.2.3.4", auth).status == 400);  // name missing
  CHECK(http_get(f.port(), "/api/explain?client=1.2.3.4&name=%ZZ", auth).status == 400);
}

TEST_CASE("admin: 404, 405 and 400", "[admin]") {
  Fixture f;
  auto r = http_get(f.port(), "/nope");
  CHECK(r.status == 404);
  check_common_headers(r);
  r = http_get(f.port(), "/metrics", {}, "POST");
  CHECK(r.status == 405);
  CHECK(r.headers["allow"] == "GET, HEAD");
  r = http_get(f.port(), "/api/reload");
  CHECK(r.status == 405);
  CHECK(r.headers["allow"] == "POST");
  r = http_raw(f.port(), "THIS IS NOT HTTP\r\n\r\n");
  CHECK(r.status == 400);
  check_common_headers(r);
  CHECK(http_raw(f.port(), "GET http://x/metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status == 400);
  CHECK(http_get(f.port(), "/health").status == 503);  // still serving after bad input
}

TEST_CASE("admin: a throwing handler gives 500 and the server keeps going", "[admin]") {
  Fixture f(with_token("t"));
  const auto r = http_get(f.port(), "/api/explain?client=1.2.3.4&name=throw.example", "Authorization: Bearer t\r\n");
  CHECK(r.status == 500);
  check_common_headers(r);
  CHECK(http_get(f.port(), "/metrics").status == 200);
}

TEST_CASE("admin: oversized requests are rejected", "[admin]") {
  AdminOptions o;
  o.max_header_bytes = 1024;
  o.max_body_bytes = 128;
  Fixture f(o);
  const std::string big(4096, 'a');
  auto r = http_get(f.port(), "/metrics", "X-Big: " + big + "\r\n");
  CHECK(r.status == 431);
  r = http_raw(f.port(), "POST /api/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
  CHECK(r.status == 413);
  check_common_headers(r);
}

TEST_CASE("admin: a slow client is timed out", "[admin]") {
  AdminOptions o;
  o.read_timeout = 300ms;
  Fixture f(o);
  RawConnection c(f.port());
  REQUIRE(c.connected());
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(c.send("GET /health HTTP/1.1\r\nHo"));
  std::this_thread::sleep_for(150ms);  // the dribble itself, under the 300 ms timeout: not a wait for state
  c.send("st: x\r\n");  // still dribbling: the deadline covers the whole request
  bool closed = false;
  c.read_all(5s, &closed);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(closed);
  CHECK(elapsed >= 250ms);
  CHECK(elapsed < 3s);
}

TEST_CASE("admin: keep-alive serves several requests on one connection", "[admin]") {
  Fixture f;
  f.ready = true;
  RawConnection c(f.port());
  REQUIRE(c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  const std::string raw = c.read_all(5s);
  CHECK(raw.find("HTTP/1.1 200 OK") == 0);
  CHECK(raw.find("HTTP/1.1 200 OK", 10) != std::string::npos);
  CHECK(raw.find("sprout_up 1") != std::string::npos);
}

TEST_CASE("admin: connections over the cap are closed at once", "[admin]") {
  AdminOptions o;
  o.max_connections = 2;
  Fixture f(o);
  RawConnection a(f.port()), b(f.port());
  // Both are accepted and counted once each has been answered (keep-alive keeps them open).
  for (RawConnection* conn : {&a, &b}) {
    REQUIRE(conn->send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK(parse_reply(conn->read_response(5s)).status == 200);
  }
  RawConnection c(f.port());
  bool closed = false;
  c.read_all(2s, &closed);
  CHECK(closed);
  a.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(parse_reply(a.read_all(5s)).status == 503);
}

TEST_CASE("admin: garbage input never takes the server down", "[admin]") {
  AdminOptions o;
  o.read_timeout = 200ms;
  Fixture f(o);
  f.ready = true;
  std::uint32_t state = 12345;
  const auto next = [&state] { return state = state * 1664525u + 1013904223u; };
  const std::string prefixes[] = {"", "GET ", "GET /", "POST /api/reload HTTP/1.1\r\n", "GET /health HTTP/1.1\r\nHost: "};
  for (int i = 0; i < 60; ++i) {
    std::string junk = prefixes[next() % 5];
    const std::size_t n = next() % 300;
    for (std::size_t j = 0; j < n; ++j) junk += static_cast<char>(next() >> 24);
    if (i % 2 == 0) junk += "\r\n\r\n";
    RawConnection c(f.port());
    c.send(junk);
    c.read_all(1s);
  }
  const auto r = http_get(f.port(), "/health");
  CHECK(r.status == 200);
}

TEST_CASE("admin: HEAD has headers but no body; unset handlers answer 501", "[admin]") {
  IoThread io;
  Handlers h;
  h.ready = [] { return true; };
  auto server = std::make_unique<AdminServer>(io.ioc(), AdminOptions{}, std::move(h));
  auto r = http_get(server->port(), "/health", {}, "HEAD");
  CHECK(r.status == 200);
  CHECK(r.body.empty());
  CHECK(r.headers["content-length"] == "3");
  r = http_get(server->port(), "/metrics");
  CHECK(r.status == 501);
  server.reset();
  io.stop();
}
