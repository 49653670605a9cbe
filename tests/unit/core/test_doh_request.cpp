// DoH request parsing (RFC 8484): GET and POST, the status each kind of bad request gets,
// and the max-age an answer allows (base64url itself: test_base64url.cpp).
#include <catch2/catch.hpp>

#include <array>
#include <string>

#include "message_builder.hpp"
#include "sprout/core/doh_request.hpp"

using namespace sprout;
using test::MessageBuilder;

namespace {

// RFC 8484 4.1.1's example: a query for www.example.com A, ID 0.
constexpr std::string_view kExampleGet = "AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB";

core::DohParse parse(std::string_view method, std::string_view target, std::string_view type = {},
                     std::span<const std::uint8_t> body = {}) {
  static std::array<std::uint8_t, core::kMaxDohMessage> scratch;
  return core::parse_doh_request({method, target, type, body}, scratch);
}

}  // namespace

TEST_CASE("DoH GET: ?dns= base64url carries the query; the path may name a client", "[doh]") {
  const core::DohParse p = parse("GET", "/dns-query?dns=" + std::string(kExampleGet));
  REQUIRE(p.status == 200);
  CHECK(p.id.status == core::ClientIdStatus::none);
  CHECK(p.message.size() == 33);
  CHECK(p.message[5] == 1);  // QDCOUNT
  const std::string target = "/dns-query/phone-an?ct=x&dns=" + std::string(kExampleGet);  // the ID points into it
  const core::DohParse q = parse("GET", target);
  REQUIRE(q.status == 200);
  CHECK(q.id.id == "phone-an");
}

TEST_CASE("DoH POST: application/dns-message bodies; the body is the query", "[doh]") {
  const auto query = MessageBuilder::query("example.com", 1, 7).bytes;
  CHECK(parse("POST", "/dns-query", "application/dns-message", query).message.size() == query.size());
  CHECK(parse("POST", "/dns-query/x", "Application/DNS-Message; charset=binary", query).status == 200);
}

TEST_CASE("DoH: each bad request gets its own status", "[doh]") {
  const auto query = MessageBuilder::query("example.com", 1, 7).bytes;
  CHECK(parse("GET", "/other?dns=" + std::string(kExampleGet)).status == 404);
  CHECK(parse("GET", "/dns-query/a/b?dns=" + std::string(kExampleGet)).status == 404);
  CHECK(parse("PUT", "/dns-query", "application/dns-message", query).status == 405);
  CHECK(parse("GET", "/dns-query").status == 400);
  CHECK(parse("GET", "/dns-query?dns=AA*A").status == 400);
  CHECK(parse("GET", "/dns-query?dns=AAAB").status == 400);  // 3 bytes: shorter than a header
  CHECK(parse("GET", "/dns-query?dns=" + std::string(90000, 'A')).status == 414);
  CHECK(parse("POST", "/dns-query", "text/plain", query).status == 415);
  CHECK(parse("POST", "/dns-query", "", query).status == 415);
  const std::vector<std::uint8_t> big(70000, 0);
  CHECK(parse("POST", "/dns-query", "application/dns-message", big).status == 413);
  CHECK(parse("POST", "/dns-query", "application/dns-message", {}).status == 400);
}

TEST_CASE("max-age is the smallest TTL of the answer, OPT aside", "[doh]") {
  auto answer = MessageBuilder::answer("example.com")
                    .a(test::Section::answer, "example.com", 300)
                    .a(test::Section::answer, "example.com", 60)
                    .opt()
                    .bytes;
  CHECK(core::doh_max_age(answer) == 60);
  CHECK(core::doh_max_age(MessageBuilder::query("example.com", 1, 7).bytes) == 0);
  CHECK(core::doh_max_age(std::vector<std::uint8_t>{1, 2, 3}) == 0);
}
