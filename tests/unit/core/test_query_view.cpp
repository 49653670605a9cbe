// QueryView: valid queries and every malformed case, including real captures.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "message_builder.hpp"
#include "pcap_reader.hpp"
#include "shared_data.hpp"
#include "sprout/dns/query_view.hpp"

using sprout::dns::ParseStatus;
using sprout::dns::QueryView;
using sprout::test::MessageBuilder;
using sprout::test::Section;
namespace rr_type = sprout::test::rr_type;

namespace {
ParseStatus parse(const std::vector<std::uint8_t>& b, QueryView& v) { return sprout::dns::parse_query(b, v); }
// A header claiming one question, for questions written byte by byte.
MessageBuilder one_question() { return std::move(MessageBuilder().count(Section::question, 1)); }
}  // namespace

TEST_CASE("a plain query is parsed into a canonical lowercase view") {
  auto q = MessageBuilder::query("WWW.Example.COM", rr_type::kAaaa, 0xBEEF).bytes;
  QueryView v;
  REQUIRE(parse(q, v) == ParseStatus::ok);
  CHECK(v.id == 0xBEEF);
  CHECK(v.qname.view() == "www.example.com");
  CHECK(v.qname.labels == 3);
  CHECK(v.qtype == 28);
  CHECK(v.qclass == 1);
  CHECK(v.question_end == q.size());
  CHECK_FALSE(v.has_edns);
  CHECK(v.max_udp_answer() == 512);
}

TEST_CASE("EDNS: size, DO bit and version are read from OPT") {
  QueryView v;
  auto q = MessageBuilder::query("a.b").opt({.udp_size = 4096, .dnssec_ok = true}).bytes;
  REQUIRE(parse(q, v) == ParseStatus::ok);
  CHECK(v.has_edns);
  CHECK(v.dnssec_ok);
  CHECK(v.edns_udp_size == 4096);
  CHECK(v.max_udp_answer() == 4096);
  auto small = MessageBuilder::query("a.b").opt({.udp_size = 100}).bytes;
  REQUIRE(parse(small, v) == ParseStatus::ok);
  CHECK(v.max_udp_answer() == 512);  // RFC 6891: below 512 means 512
  auto v1 = MessageBuilder::query("a.b").opt({.version = 1}).bytes;
  CHECK(parse(v1, v) == ParseStatus::badvers);
  CHECK(v.question_parsed());
  auto two = MessageBuilder::query("a.b").opt().opt().bytes;
  CHECK(parse(two, v) == ParseStatus::formerr);
}

TEST_CASE("the root name and a 253-character name are valid") {
  QueryView v;
  auto root = MessageBuilder::query("", rr_type::kNs).bytes;
  REQUIRE(parse(root, v) == ParseStatus::ok);
  CHECK(v.qname.view().empty());
  std::string longest;
  for (int i = 0; i < 4; ++i) longest += std::string(i < 3 ? 63 : 61, 'a' + i) + (i < 3 ? "." : "");
  REQUIRE(longest.size() == 253);
  auto q = MessageBuilder::query(longest).bytes;
  REQUIRE(parse(q, v) == ParseStatus::ok);
  CHECK(v.qname.view() == longest);
}

TEST_CASE("packets that must be dropped") {
  QueryView v;
  std::vector<std::uint8_t> five = {1, 2, 3, 4, 5};
  CHECK(parse(five, v) == ParseStatus::drop_short);
  std::vector<std::uint8_t> empty;
  CHECK(parse(empty, v) == ParseStatus::drop_short);
  auto response = MessageBuilder::query("a.b", rr_type::kA, 1).flags(0x8180).bytes;
  CHECK(parse(response, v) == ParseStatus::drop_response);
}

TEST_CASE("unknown opcodes get NOTIMP") {
  QueryView v;
  for (std::uint16_t opcode : {1, 2, 3, 4, 5, 15}) {
    auto q = MessageBuilder::query("a.b", rr_type::kA, 7).flags(static_cast<std::uint16_t>(opcode << 11)).bytes;
    CHECK(parse(q, v) == ParseStatus::notimp);
    CHECK(v.id == 7);
    CHECK_FALSE(v.has_edns);
  }
}

TEST_CASE("NOTIMP reads a well-formed body for its question and OPT, and ignores a broken one") {
  QueryView v;
  auto with_opt = MessageBuilder::query("a.b", rr_type::kA, 8).opcode(5).opt({.udp_size = 1400}).bytes;
  CHECK(parse(with_opt, v) == ParseStatus::notimp);
  CHECK(v.has_edns);
  CHECK(v.edns_udp_size == 1400);
  CHECK(v.question_parsed());
  auto broken = MessageBuilder::query("a.b", rr_type::kA, 9).opcode(5).opt().bytes;
  broken.resize(broken.size() - 3);
  CHECK(parse(broken, v) == ParseStatus::notimp);
  CHECK(v.id == 9);
  CHECK_FALSE(v.has_edns);
  CHECK_FALSE(v.question_parsed());
}

TEST_CASE("malformed questions get FORMERR") {
  QueryView v;
  SECTION("qdcount 0 and 2") {
    auto zero = MessageBuilder::query("a.b").count(Section::question, 0).bytes;
    CHECK(parse(zero, v) == ParseStatus::formerr);
    auto two = MessageBuilder::query("a.b").count(Section::question, 2).bytes;
    CHECK(parse(two, v) == ParseStatus::formerr);
  }
  SECTION("truncated name, truncated type") {
    auto q = one_question().raw({3, 'a', 'b'}).bytes;
    CHECK(parse(q, v) == ParseStatus::formerr);
    auto t = one_question().name("a.b").raw({0, 1}).bytes;
    CHECK(parse(t, v) == ParseStatus::formerr);
  }
  SECTION("bad label types 0x40 and 0x80") {
    auto q = one_question().raw({0x41, 'a', 0}).u16(rr_type::kA).u16(1).bytes;
    CHECK(parse(q, v) == ParseStatus::formerr);
    auto q2 = one_question().raw({0x81, 'a', 0}).u16(rr_type::kA).u16(1).bytes;
    CHECK(parse(q2, v) == ParseStatus::formerr);
  }
  SECTION("compression loop and out-of-range pointers") {
    auto loop = one_question().raw({0xC0, 12}).u16(rr_type::kA).u16(1).bytes;  // points at itself
    CHECK(parse(loop, v) == ParseStatus::formerr);
    auto forward = one_question().raw({1, 'a', 0xC0, 40}).u16(rr_type::kA).u16(1).bytes;
    CHECK(parse(forward, v) == ParseStatus::formerr);
    auto into_header = one_question().raw({0xC0, 2}).u16(rr_type::kA).u16(1).bytes;
    CHECK(parse(into_header, v) == ParseStatus::formerr);
  }
  SECTION("a name over 255 bytes") {
    std::string name;
    for (int i = 0; i < 5; ++i) name += std::string(63, 'x') + ".";  // 5 x 64 = 320 bytes > 255
    auto q = one_question().name(name).u16(rr_type::kA).u16(1).bytes;
    CHECK(parse(q, v) == ParseStatus::formerr);
  }
  SECTION("a record in the additional section that runs off the end") {
    auto q = MessageBuilder::query("a.b").count(Section::additional, 1).raw({0, 0, 41}).bytes;
    CHECK(parse(q, v) == ParseStatus::formerr);
    CHECK(v.id == 0x1234);
  }
  SECTION("OPT outside the additional section") {
    auto q = MessageBuilder::query("a.b").opt().count(Section::answer, 1).count(Section::additional, 0).bytes;
    CHECK(parse(q, v) == ParseStatus::formerr);
  }
}

namespace {

// Whatever the bytes, parsing yields one of the defined statuses and a bounded view.
void check_sane(const std::vector<std::uint8_t>& bytes) {
  QueryView v;
  const ParseStatus s = sprout::dns::parse_query(bytes, v);
  CHECK(v.qname.length <= 253);
  CHECK(v.question_end <= bytes.size());
  // A usable query has a complete question and a name of as many labels as its text says.
  if (s == ParseStatus::ok || s == ParseStatus::badvers) {
    CHECK(v.question_end >= sprout::dns::kHeaderSize + 5);
    const auto dots = std::count(v.qname.view().begin(), v.qname.view().end(), '.');
    CHECK((v.qname.labels == 0 ? v.qname.length == 0 : dots + 1 >= v.qname.labels));
  }
}

}  // namespace

TEST_CASE("real captures: every DNS payload parses without harm") {
  namespace fs = std::filesystem;
  std::size_t messages = 0, ok = 0;
  for (const char* sub : {"packets/tcpdump", "packets/dnsjit"}) {
    const fs::path dir = sprout::test::shared_data(sub);
    for (const auto& f : fs::directory_iterator(dir)) {
      if (f.path().extension() != ".pcap") continue;
      for (auto& m : sprout::test::read_dns_pcap(f.path())) {
        ++messages;
        check_sane(m.bytes);
        QueryView v;
        if (sprout::dns::parse_query(m.bytes, v) == ParseStatus::ok) ++ok;
        if (m.bytes.size() >= 3) {  // the same bytes posing as a query
          m.bytes[2] &= 0x7f;
          check_sane(m.bytes);
        }
      }
    }
  }
  INFO("messages " << messages << ", valid queries " << ok);
  CHECK(messages > 0);
  CHECK(ok > 0);
}

TEST_CASE("real captures: specific malformed cases") {
  namespace fs = std::filesystem;
  const fs::path dir = sprout::test::shared_data("packets/tcpdump");
  QueryView v;
  auto zlip = sprout::test::read_dns_pcap(dir / "dns-zlip-1.pcap");
  REQUIRE_FALSE(zlip.empty());
  CHECK(parse(zlip[0].bytes, v) == ParseStatus::drop_short);  // "length 0 < 12"
  auto badvers = sprout::test::read_dns_pcap(dir / "dns-badvers.pcap");
  REQUIRE(badvers.size() >= 2);
  CHECK(parse(badvers[0].bytes, v) == ParseStatus::badvers);   // the query that drew BADVERS
  CHECK(parse(badvers[1].bytes, v) == ParseStatus::drop_response);
  auto badlabel = sprout::test::read_dns_pcap(dir / "dns-badlabel.pcap");
  REQUIRE_FALSE(badlabel.empty());
  badlabel[0].bytes[2] &= 0x7f;  // posing as a query: still refused as malformed
  CHECK(parse(badlabel[0].bytes, v) != ParseStatus::ok);
}

TEST_CASE("c-ares fuzz inputs: responses are dropped, as queries they never crash") {
  namespace fs = std::filesystem;
  std::size_t inputs = 0;
  for (const char* sub : {"packets/c-ares-fuzzinput", "packets/c-ares-fuzznames"}) {
    const fs::path dir = sprout::test::shared_data(sub);
    for (const auto& f : fs::directory_iterator(dir)) {
      auto bytes = sprout::test::read_file_bytes(f.path());
      ++inputs;
      check_sane(bytes);
      if (bytes.size() >= 3) {
        bytes[2] &= 0x7f;
        check_sane(bytes);
      }
    }
  }
  CHECK(inputs > 0);
}
