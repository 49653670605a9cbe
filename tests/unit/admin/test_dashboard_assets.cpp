// The embedded dashboard over a real admin server: headers (CSP, cache, ETag), gzip, 304, size budget.
#include <catch2/catch.hpp>

#include "dashboard_assets.hpp"
#include "http_test_client.hpp"
#include "sprout/admin/admin_server.hpp"

#include <zlib.h>

#include <memory>

using namespace sprout::admin;
using namespace sprout::admin::test;

namespace {

struct Server {
  Server() : server(std::make_unique<AdminServer>(io.ioc(), AdminOptions{}, Handlers{})) {}
  ~Server() {
    server.reset();
    io.stop();
  }
  std::uint16_t port() const { return server->port(); }
  IoThread io;
  std::unique_ptr<AdminServer> server;
};

std::string gunzip(const std::string& in) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return {};
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : std::string("<corrupt gzip>");
}

std::string header(const HttpReply& r, const std::string& name) {
  const auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string("<absent>") : it->second;
}

void check_security_headers(const HttpReply& r) {
  CHECK(header(r, "content-security-policy") ==
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  CHECK(header(r, "x-content-type-options") == "nosniff");
  CHECK(header(r, "referrer-policy") == "no-referrer");
}

}  // namespace

TEST_CASE("dashboard: GET / is index.html with the strict CSP, an ETag and revalidation", "[admin][dashboard]") {
  Server s;
  const auto r = http_get(s.port(), "/");
  REQUIRE(r.status == 200);
  CHECK(header(r, "content-type") == "text/html; charset=utf-8");
  CHECK(header(r, "cache-control") == "no-cache");
  CHECK(header(r, "etag").size() > 10);
  CHECK(header(r, "content-encoding") == "<absent>");  // the client did not ask for gzip
  check_security_headers(r);
  CHECK(r.body.rfind("<!doctype html>", 0) == 0);
  CHECK(http_get(s.port(), "/", {}, "HEAD").status == 200);
  const auto post = http_get(s.port(), "/", "Content-Length: 0\r\n", "POST");
  CHECK(post.status == 405);
  CHECK(header(post, "allow") == "GET, HEAD");
}

TEST_CASE("dashboard: 304 on If-None-Match, 200 on a stale ETag", "[admin][dashboard]") {
  Server s;
  const auto first = http_get(s.port(), "/assets/app.js");
  REQUIRE(first.status == 200);
  CHECK(header(first, "content-type") == "text/javascript; charset=utf-8");
  const std::string etag = header(first, "etag");
  const auto again = http_get(s.port(), "/assets/app.js", "If-None-Match: " + etag + "\r\n");
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  CHECK(header(again, "etag") == etag);
  check_security_headers(again);
  CHECK(http_get(s.port(), "/assets/app.js", "If-None-Match: \"other\", W/" + etag + "\r\n").status == 304);
  CHECK(http_get(s.port(), "/assets/app.js", "If-None-Match: \"stale\"\r\n").status == 200);
}

TEST_CASE("dashboard: gzip only when accepted, and it inflates to the same bytes", "[admin][dashboard]") {
  Server s;
  const auto plain = http_get(s.port(), "/assets/app.css");
  REQUIRE(plain.status == 200);
  const auto zipped = http_get(s.port(), "/assets/app.css", "Accept-Encoding: br, gzip;q=0.8\r\n");
  REQUIRE(zipped.status == 200);
  CHECK(header(zipped, "content-encoding") == "gzip");
  CHECK(header(zipped, "vary") == "Accept-Encoding");
  CHECK(header(zipped, "etag") == header(plain, "etag"));
  CHECK(zipped.body.size() < plain.body.size());
  CHECK(gunzip(zipped.body) == plain.body);
  CHECK(header(http_get(s.port(), "/assets/app.css", "Accept-Encoding: gzip;q=0\r\n"), "content-encoding") == "<absent>");
  CHECK(header(http_get(s.port(), "/assets/app.css", "Accept-Encoding: gzip;q=0, *\r\n"), "content-encoding") == "<absent>");
  CHECK(header(http_get(s.port(), "/assets/app.css", "Accept-Encoding: *\r\n"), "content-encoding") == "gzip");
  CHECK(header(http_get(s.port(), "/assets/app.css", "Accept-Encoding: identity\r\n"), "content-encoding") == "<absent>");
}

TEST_CASE("dashboard: unknown assets are 404, other paths still reach the API router", "[admin][dashboard]") {
  Server s;
  const auto missing = http_get(s.port(), "/assets/nope.js");
  CHECK(missing.status == 404);
  check_security_headers(missing);
  CHECK(http_get(s.port(), "/assets/../index.html").status == 404);
  CHECK(http_get(s.port(), "/assets/").status == 404);
  CHECK(http_get(s.port(), "/index.html").status == 404);  // only / and /assets/*
  CHECK(http_get(s.port(), "/api/nothing").status == 404);
}

TEST_CASE("dashboard: every file is served with its type, under 300 KB compressed in all", "[admin][dashboard]") {
  Server s;
  std::size_t total = 0;
  int files = 0;
  for (const auto& f : detail::dashboard_files()) {
    INFO(f.name);
    const std::string path = f.name == "index.html" ? "/" : "/assets/" + std::string(f.name);
    const auto r = http_get(s.port(), path, "Accept-Encoding: gzip\r\n");
    CHECK(r.status == 200);
    CHECK(header(r, "content-type") == f.content_type);
    const bool zipped = header(r, "content-encoding") == "gzip";
    CHECK(zipped == (f.gzip.size > 0));
    CHECK((zipped ? gunzip(r.body) : r.body) == f.plain.view());
    total += r.body.size();
    ++files;
  }
  CHECK(files >= 10);
  INFO("compressed total " << total << " bytes");
  CHECK(total < 300 * 1024);
}

TEST_CASE("dashboard: no inline script, style or event handler (the CSP would block them)", "[admin][dashboard]") {
  for (const auto& f : detail::dashboard_files()) {
    if (!f.name.ends_with(".html")) continue;
    const std::string_view html = f.plain.view();
    for (std::size_t at = html.find("<script"); at != std::string_view::npos; at = html.find("<script", at + 1)) {
      const auto end = html.find('>', at);
      CHECK(html.substr(at, end - at).find(" src=") != std::string_view::npos);
    }
    CHECK(html.find("<style") == std::string_view::npos);
    CHECK(html.find(" style=") == std::string_view::npos);
    CHECK(html.find(" onclick=") == std::string_view::npos);
    CHECK(html.find(" onload=") == std::string_view::npos);
    CHECK(html.find("javascript:") == std::string_view::npos);
  }
}
