// URL decoding, target parsing, bearer tokens, HTML escaping, UTF-8 truncation.
#include <catch2/catch.hpp>

#include "sprout/admin/http_util.hpp"

using namespace sprout::admin;

TEST_CASE("percent_decode decodes and rejects bad escapes and NUL", "[http_util]") {
  CHECK(percent_decode("a%2Eb%2ec", false) == std::optional<std::string>("a.b.c"));
  CHECK(percent_decode("a+b", true) == std::optional<std::string>("a b"));
  CHECK(percent_decode("a+b", false) == std::optional<std::string>("a+b"));
  CHECK_FALSE(percent_decode("%zz", false));
  CHECK_FALSE(percent_decode("abc%", false));
  CHECK_FALSE(percent_decode("abc%4", false));
  CHECK_FALSE(percent_decode("a%00b", false));
  CHECK(percent_decode("H%C3%A0%20N%E1%BB%99i", true) == std::optional<std::string>("Hà Nội"));
}

TEST_CASE("parse_target splits path and query", "[http_util]") {
  const auto t = parse_target("/api/report?from=2024-01-01&to=2024-02-01&scope=province%3DH%C3%A0+N%E1%BB%99i&&x&from=dup");
  REQUIRE(t);
  CHECK(t->path == "/api/report");
  CHECK(t->params.at("from") == "2024-01-01");
  CHECK(t->params.at("to") == "2024-02-01");
  CHECK(t->params.at("scope") == "province=Hà Nội");
  CHECK(t->params.at("x").empty());
  CHECK_FALSE(parse_target("http://example.com/"));
  CHECK_FALSE(parse_target(""));
  CHECK_FALSE(parse_target("/a?b=%G0"));
  CHECK(parse_target("/health")->params.empty());
}

TEST_CASE("constant_time_equal and bearer_token", "[http_util]") {
  CHECK(constant_time_equal("secret", "secret"));
  CHECK_FALSE(constant_time_equal("secreT", "secret"));
  CHECK_FALSE(constant_time_equal("secret1", "secret"));
  CHECK_FALSE(constant_time_equal("", "secret"));
  CHECK(bearer_token("Bearer abc") == "abc");
  CHECK(bearer_token("bearer   abc ") == "abc");
  CHECK(bearer_token("Basic abc").empty());
  CHECK(bearer_token("Bearer").empty());
}

TEST_CASE("escaping helpers", "[http_util]") {
  CHECK(html_escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  CHECK(truncate_utf8("abc", 5) == "abc");
  CHECK(truncate_utf8("Hà Nội", 2) == "H\xE2\x80\xA6");  // never splits "à"
}
