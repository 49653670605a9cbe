// The block page: escaping, both languages, category and network, and the server's headers.
#include <catch2/catch.hpp>

#include "http_test_client.hpp"
#include "sprout/admin/block_page.hpp"

#include <memory>
#include <mutex>

using namespace sprout::admin;
using namespace sprout::admin::test;

namespace {

struct PageFixture {
  PageFixture() {
    server = std::make_unique<BlockPageServer>(io.ioc(), BlockPageOptions{}, [this](std::string_view host, std::string_view client) {
      std::lock_guard lock(mutex);
      seen_host = host;
      seen_client = client;
      return BlockInfo{"gambling", "Lớp 6A", "kids"};
    });
  }
  ~PageFixture() {
    server.reset();
    io.stop();
  }
  std::mutex mutex;
  std::string seen_host, seen_client;
  IoThread io;
  std::unique_ptr<BlockPageServer> server;
};

}  // namespace

TEST_CASE("block page: both languages, category and network", "[blockpage]") {
  const std::string page = render_block_page("casino.example:80", {"gambling", "Lớp 6A", "kids"});
  const auto vi = page.find("Trang web này đã bị chặn");
  const auto en = page.find("This site has been blocked");
  REQUIRE(vi != std::string::npos);
  REQUIRE(en != std::string::npos);
  CHECK(vi < en);  // Vietnamese first
  CHECK(page.find("Danh mục: <strong>Cờ bạc</strong>") != std::string::npos);
  CHECK(page.find("Category: <strong>Gambling</strong>") != std::string::npos);
  CHECK(page.find("<span class=\"host\">casino.example</span>") != std::string::npos);
  CHECK(page.find("mạng <strong>Lớp 6A</strong>") != std::string::npos);
  CHECK(page.find("Hồ sơ lọc: <strong>kids</strong>") != std::string::npos);
  CHECK(page.find("Filtering profile: <strong>kids</strong>") != std::string::npos);
  CHECK(page.find("hỏi thầy cô giáo hoặc cha mẹ") != std::string::npos);
  CHECK(page.find("ask a teacher or a parent") != std::string::npos);
  CHECK(page.find("<meta charset=\"utf-8\">") != std::string::npos);
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("http://") == std::string::npos);  // no external assets
  CHECK(page.find("https://") == std::string::npos);
}

TEST_CASE("block page: host and config values are escaped and limited", "[blockpage]") {
  const std::string page = render_block_page("<script>alert(1)</script>", {"<b>x</b>", "a\"b", "<i>p</i>"});
  CHECK(page.find("<script>") == std::string::npos);
  CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(page.find("&lt;b&gt;x&lt;/b&gt;") != std::string::npos);
  CHECK(page.find("a&quot;b") != std::string::npos);
  CHECK(page.find("<strong>&lt;i&gt;p&lt;/i&gt;</strong>") != std::string::npos);
  CHECK(display_host("example.com:8080") == "example.com");
  CHECK(display_host("[2001:db8::1]:80") == "[2001:db8::1]");
  CHECK(display_host("a\x01\x7f" "b") == "ab");
  CHECK(display_host(std::string(1000, 'x')).size() <= kMaxShownHostBytes + 3);
  const std::string empty = render_block_page("", {});
  CHECK(empty.find("<span class=\"host\">?</span> was blocked.") != std::string::npos);
  CHECK(empty.find("Category:") == std::string::npos);
  CHECK(empty.find("Filtering profile:") == std::string::npos);
}

TEST_CASE("block page server: any host and path, 403, no-store, escaped Host", "[blockpage]") {
  PageFixture f;
  REQUIRE(f.server->port() != 0);
  auto r = http_raw(f.server->port(),
                          "GET /some/path?q=1 HTTP/1.1\r\nHost: evil<script>.example:81\r\nConnection: close\r\n\r\n");
  CHECK(r.status == 403);
  CHECK(r.headers["content-type"] == "text/html; charset=utf-8");
  CHECK(r.headers["cache-control"] == "no-store");
  CHECK(r.headers["x-content-type-options"] == "nosniff");
  CHECK(r.headers["content-security-policy"].find("default-src 'none'") == 0);
  CHECK(r.body.find("evil&lt;script&gt;.example") != std::string::npos);
  CHECK(r.body.find("<script>") == std::string::npos);
  CHECK(r.body.find("Cờ bạc") != std::string::npos);
  CHECK(r.body.find("Gambling") != std::string::npos);
  std::lock_guard lock(f.mutex);
  CHECK(f.seen_host == "evil<script>.example");
  CHECK(f.seen_client == "127.0.0.1");
}

TEST_CASE("block page server: other methods and a missing Host still get the page", "[blockpage]") {
  PageFixture f;
  auto r = http_raw(f.server->port(), "POST /login HTTP/1.1\r\nHost: a.example\r\nContent-Length: 3\r\nConnection: close\r\n\r\nx=1");
  CHECK(r.status == 403);
  CHECK(r.body.find("a.example") != std::string::npos);
  r = http_raw(f.server->port(), "GET / HTTP/1.0\r\n\r\n");
  CHECK(r.status == 403);
  CHECK(r.body.find("This site has been blocked") != std::string::npos);
  r = http_raw(f.server->port(), "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03");  // a TLS hello: not HTTP
  CHECK(r.status == 400);
}
