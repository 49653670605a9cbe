// JSON output through nlohmann::json (core::dump_json): escaping, invalid UTF-8, explain and admin API bodies.
#include <catch2/catch.hpp>

#include <map>
#include <memory>

#include "http_test_client.hpp"
#include "sprout/admin/admin_server.hpp"
#include "sprout/core/explain.hpp"
#include "sprout/core/json.hpp"

using namespace sprout;
using sprout::core::dump_json;
using sprout::core::Json;

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// nlohmann's parser rejects invalid UTF-8, so parsing is the check that the text is valid JSON.
Json parse_strict(const std::string& text) {
  INFO(text);
  Json parsed;
  REQUIRE_NOTHROW(parsed = Json::parse(text));
  return parsed;
}

}  // namespace

TEST_CASE("dump_json escapes like the hand escaper it replaced and keeps UTF-8 as it is", "[json]") {
  CHECK(dump_json({{"m", "a\"b\\c\n\x01"}}) == "{\"m\":\"a\\\"b\\\\c\\n\\u0001\"}");
  CHECK(dump_json({{"m", "Hà Nội"}}) == "{\"m\":\"Hà Nội\"}");
  // Keys keep the order they were added in.
  CHECK(dump_json({{"z", 1}, {"a", 2}}) == "{\"z\":1,\"a\":2}");
}

TEST_CASE("invalid UTF-8 in a name ends up as valid JSON", "[json]") {
  // A lone byte, a cut sequence, an overlong '/', a UTF-16 surrogate, a byte past U+10FFFF.
  for (const std::string bad : {"\xff\xfe.example", "bet\xe1\xbb.vn", "\xc0\xaf.example", "\xed\xa0\x80.example",
                                "\xf5\x80\x80\x80.example"}) {
    const std::string text = dump_json({{"qname", bad}});
    const Json parsed = parse_strict(text);
    const std::string back = parsed["qname"];
    CHECK(back.find(kReplacement) != std::string::npos);
    CHECK(back.find(".") != std::string::npos);  // the valid rest survives
  }
}

TEST_CASE("explain --json and /api/explain: invalid UTF-8 from a request is valid JSON", "[json]") {
  core::Explanation e;
  e.client = "10.0.0.5";
  e.name = "\xff\xfe.example";  // percent-decoded from a request: any bytes
  e.type = "A";
  e.network = "classroom";
  e.labels = {{"school", "THCS \xe1\xbb"}, {"district", "Q1"}};
  e.active_schedules = {"school-hours", "\x80"};
  e.ttl_cap = UINT32_MAX;
  const std::string text = core::to_json(e);
  const Json j = parse_strict(text);
  CHECK(text.rfind("{\"client\":\"10.0.0.5\",\"name\":", 0) == 0);  // the field order scripts know
  CHECK(j["name"] == std::string(kReplacement) + std::string(kReplacement) + ".example");
  CHECK(j["labels"]["district"] == "Q1");
  CHECK(j["active_schedules"].size() == 2);
  CHECK(j["ttl_cap"] == -1);
  CHECK(j["line"] == 0);
}

TEST_CASE("admin API bodies with invalid UTF-8 stay valid JSON", "[json]") {
  admin::test::IoThread io;
  admin::Handlers h;
  // A rejected reload quotes the config file, which may hold any bytes.
  h.reload = [] { return admin::ReloadResult{false, "sprout.yaml:3:5: unknown category 'gambl\xe1\xbb'"}; };
  admin::AdminOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.token = "s3cret-token-123";
  auto server = std::make_unique<admin::AdminServer>(io.ioc(), options, std::move(h));
  const auto r = admin::test::http_get(server->port(), "/api/reload", "Authorization: Bearer s3cret-token-123\r\n", "POST");
  CHECK(r.status == 422);
  const Json j = parse_strict(r.body);
  CHECK(j["ok"] == false);
  CHECK(j["message"].get<std::string>().find(kReplacement) != std::string::npos);
  const auto denied = admin::test::http_get(server->port(), "/api/reload", "Authorization: Bearer wrong\r\n", "POST");
  CHECK(denied.status == 401);
  CHECK(parse_strict(denied.body)["error"] == "missing or wrong bearer token");
  server.reset();
  io.stop();
}
