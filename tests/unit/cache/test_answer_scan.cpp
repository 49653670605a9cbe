// classify_answer and walk_records: TTL rules (RFC 1035/2181/2308), what is never cached,
// and malformed answers rejected without reading out of bounds.
#include <catch2/catch.hpp>

#include <random>

#include "cache_test_util.hpp"
#include "catch_answer.hpp"

using sprout::cache::AnswerStatus;
using sprout::cache::classify_answer;
using sprout::cache::TtlLimits;
using sprout::test::MessageBuilder;
using sprout::test::key_of;
using sprout::test::Section;

namespace {
const TtlLimits kLimits{0, 86400, 3600};
}

TEST_CASE("positive answer: min TTL over answer and authority, additional and OPT ignored") {
  auto b = MessageBuilder::answer("example.com")
               .a_ptr(Section::answer, 12, 300)
               .a_ptr(Section::answer, 12, 200)
               .rr(Section::authority, "example.com", 2, 250, {0xC0, 0x0C})
               .a(Section::additional, "ns.example.com", 5)
               .opt({.dnssec_ok = true});
  auto v = classify_answer(b.bytes, key_of("example.com"), kLimits);
  REQUIRE(v.status == AnswerStatus::cacheable);
  CHECK(v.ttl == 200);
  CHECK_FALSE(v.negative);
  CHECK(v.ttl_records == 4);
  CHECK(v.end == b.bytes.size());
}

TEST_CASE("TTL is clamped to [min_ttl, max_ttl]; a top-bit TTL counts as zero") {
  auto low = MessageBuilder::answer("a.test").a_ptr(Section::answer, 12, 5);
  auto high = MessageBuilder::answer("a.test").a_ptr(Section::answer, 12, 999999);
  const TtlLimits clamp{60, 3600, 900};
  CHECK(classify_answer(low.bytes, key_of("a.test"), clamp).ttl == 60);
  CHECK(classify_answer(high.bytes, key_of("a.test"), clamp).ttl == 3600);
  auto huge = MessageBuilder::answer("a.test").a_ptr(Section::answer, 12, 0x80000000u);
  CHECK(classify_answer(huge.bytes, key_of("a.test"), kLimits).status == AnswerStatus::zero_ttl);
  CHECK(classify_answer(huge.bytes, key_of("a.test"), clamp).ttl == 60);
}

TEST_CASE("NXDOMAIN and NODATA use min(SOA TTL, SOA MINIMUM), capped by negative_ttl") {
  auto nx = MessageBuilder::answer("gone.test", 1, 3).soa(900, 300);
  auto v = classify_answer(nx.bytes, key_of("gone.test"), kLimits);
  REQUIRE(v.status == AnswerStatus::cacheable);
  CHECK(v.negative);
  CHECK(v.ttl == 300);
  auto nodata = MessageBuilder::answer("v4only.test", 28).soa(120, 600);
  v = classify_answer(nodata.bytes, key_of("v4only.test", 28), kLimits);
  REQUIRE(v.status == AnswerStatus::cacheable);
  CHECK(v.negative);
  CHECK(v.ttl == 120);
  auto long_neg = MessageBuilder::answer("gone.test", 1, 3).soa(86400, 86400);
  CHECK(classify_answer(long_neg.bytes, key_of("gone.test"), kLimits).ttl == 3600);
  // A CNAME chain ending in NODATA is negative for the asked type, and the CNAME bounds it.
  auto chain = MessageBuilder::answer("alias.test", 28).rr_ptr(Section::answer, 12, 5, 60, {0xC0, 0x0C}).soa(900, 900);
  v = classify_answer(chain.bytes, key_of("alias.test", 28), kLimits);
  CHECK(v.negative);
  CHECK(v.ttl == 60);
}

TEST_CASE("negative answers without SOA are not cached (RFC 2308 5)") {
  auto nx = MessageBuilder::answer("gone.test", 1, 3);
  CHECK(classify_answer(nx.bytes, key_of("gone.test"), kLimits).status == AnswerStatus::negative_without_soa);
  auto nodata = MessageBuilder::answer("x.test", 28).rr(Section::authority, "test", 2, 100, {0xC0, 0x0C});
  CHECK(classify_answer(nodata.bytes, key_of("x.test", 28), kLimits).status == AnswerStatus::negative_without_soa);
}

TEST_CASE("SERVFAIL, REFUSED, extended rcodes, TC, queries and other opcodes are not cached") {
  const auto key = key_of("a.test");
  CHECK(classify_answer(MessageBuilder::answer("a.test", 1, 2).soa(60, 60).bytes, key, kLimits).status == AnswerStatus::error_rcode);
  CHECK(classify_answer(MessageBuilder::answer("a.test", 1, 5).bytes, key, kLimits).status == AnswerStatus::error_rcode);
  CHECK(classify_answer(MessageBuilder::answer("a.test").a_ptr(Section::answer, 12, 60).opt({.extended_rcode = 1}).bytes, key, kLimits).status ==
        AnswerStatus::error_rcode);
  auto tc = MessageBuilder::answer("a.test").a_ptr(Section::answer, 12, 60).add_flags(0x0200);
  CHECK(classify_answer(tc.bytes, key, kLimits).status == AnswerStatus::truncated);
  auto query = MessageBuilder::answer("a.test").a_ptr(Section::answer, 12, 60);
  query.set16(2, 0x0100);
  CHECK(classify_answer(query.bytes, key, kLimits).status == AnswerStatus::not_response);
  auto notify = MessageBuilder::answer("a.test").a_ptr(Section::answer, 12, 60).add_flags(0x2000);
  CHECK(classify_answer(notify.bytes, key, kLimits).status == AnswerStatus::not_response);
}

TEST_CASE("the answer must match the key's question (0x20 case differences allowed)") {
  auto b = MessageBuilder::answer("WwW.ExAmple.CoM").a_ptr(Section::answer, 12, 60);
  CHECK(classify_answer(b.bytes, key_of("www.example.com"), kLimits).status == AnswerStatus::cacheable);
  CHECK(classify_answer(b.bytes, key_of("www.example.org"), kLimits).status == AnswerStatus::question_mismatch);
  CHECK(classify_answer(b.bytes, key_of("www.example.com", 28), kLimits).status == AnswerStatus::question_mismatch);
  CHECK(classify_answer(b.bytes, key_of("www.example.com", 1, false, false, 3), kLimits).status ==
        AnswerStatus::question_mismatch);
}

TEST_CASE("walk_records follows compressed owner names and reports every TTL offset") {
  auto b = MessageBuilder::answer("a.example.com")
               .rr_ptr(Section::answer, 12, 5, 100, {3, 'w', 'w', 'w', 0xC0, 14})  // CNAME www.example.com
               .a(Section::answer, "b.example.com", 200);
  const std::size_t b_owner = b.ttl_offsets[1] - 4 - 15;
  b.a_ptr(Section::answer, static_cast<std::uint16_t>(b_owner), 300)  // pointer to an earlier owner
      .a_ptr(Section::additional, static_cast<std::uint16_t>(b_owner + 2), 400);  // into its middle
  std::vector<std::size_t> offsets;
  auto walk = sprout::cache::walk_records(b.bytes, [&](const sprout::cache::RecordRef& rr) { offsets.push_back(rr.ttl_offset); });
  REQUIRE(walk.ok);
  CHECK(walk.end == b.bytes.size());
  CHECK(offsets == b.ttl_offsets);
  CHECK(sprout::test::ttls_of(b.bytes) == std::vector<std::uint32_t>{100, 200, 300, 400});
}

// Found by fuzz_answer (corpus/answer/regress-pointer-name-runs-on): an owner pointer to the
// question's class byte, whose "name" then ran on over the pointer into trailing bytes, was
// readable upstream and broken once Sprout cut those bytes and appended its OPT.
TEST_CASE("a name reached by a pointer ends before that pointer") {
  auto b = MessageBuilder::answer("a.example.com");
  const auto question_end = static_cast<std::uint16_t>(b.bytes.size());
  // Owner: a pointer to the question's last byte (1, a one-byte "label" that is the pointer's
  // own first byte, then whatever follows), type A, 4 bytes; then 40 trailing bytes of zeros
  // that would end such a name.
  b.count(Section::answer, 1).raw({0xC0, static_cast<std::uint8_t>(question_end - 1)});
  b.raw({0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4});
  b.bytes.resize(b.bytes.size() + 40, 0);
  CHECK_FALSE(sprout::cache::walk_records(b.bytes, [](const auto&) {}).ok);
  // The same pointer to the question's start is an ordinary compressed owner.
  auto ok = MessageBuilder::answer("a.example.com").a_ptr(Section::answer, 12, 60);
  CHECK(sprout::cache::walk_records(ok.bytes, [](const auto&) {}).ok);
}

TEST_CASE("malformed answers are rejected, never read past the end") {
  const auto key = key_of("a.example.com");
  auto good = MessageBuilder::answer("a.example.com").a_ptr(Section::answer, 12, 60).soa(60, 60).opt();
  REQUIRE(classify_answer(good.bytes, key, kLimits).status == AnswerStatus::cacheable);
  SECTION("every truncation") {
    for (std::size_t n = 0; n < good.bytes.size(); ++n) {
      std::vector<std::uint8_t> cut(good.bytes.begin(), good.bytes.begin() + static_cast<long>(n));
      CHECK(classify_answer(cut, key, kLimits).status != AnswerStatus::cacheable);
    }
  }
  SECTION("forward and self pointers, rdlength past the end, counts too high") {
    auto fwd = MessageBuilder::answer("a.example.com").a_ptr(Section::answer, 200, 60);
    CHECK(classify_answer(fwd.bytes, key, kLimits).status == AnswerStatus::malformed);
    auto self = MessageBuilder::answer("a.example.com");
    const auto at = static_cast<std::uint16_t>(self.bytes.size());
    self.a_ptr(Section::answer, at, 60);
    CHECK(classify_answer(self.bytes, key, kLimits).status == AnswerStatus::malformed);
    auto rdlen = good;
    rdlen.set16(rdlen.ttl_offsets[0] + 4, 500);
    CHECK(classify_answer(rdlen.bytes, key, kLimits).status == AnswerStatus::malformed);
    auto counts = good;
    counts.set16(6, 9);
    CHECK(classify_answer(counts.bytes, key, kLimits).status == AnswerStatus::malformed);
    auto soa_short = MessageBuilder::answer("a.example.com", 1, 3).soa(60, 60);
    soa_short.set16(soa_short.ttl_offsets[0] + 4, 10);  // SOA rdata too short for its fields
    soa_short.bytes.resize(soa_short.ttl_offsets[0] + 6 + 10);
    CHECK(classify_answer(soa_short.bytes, key, kLimits).status == AnswerStatus::malformed);
  }
  SECTION("random byte mutations never crash; accepted answers walk cleanly") {
    std::mt19937 rng(12345);
    for (int i = 0; i < 20000; ++i) {
      auto m = good.bytes;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) m[rng() % m.size()] = static_cast<std::uint8_t>(rng());
      const auto v = classify_answer(m, key, kLimits);
      if (v.status == AnswerStatus::cacheable) {
        CHECK(v.end <= m.size());
        CHECK(sprout::cache::walk_records(std::span<const std::uint8_t>(m.data(), v.end), [](const auto&) {}).ok);
      }
    }
  }
}

// Found by fuzz_answer (corpus/answer/regress-mx-name-past-rdata): an MX whose exchange name
// ran past its rdata was passed on, and no client could read the answer.
TEST_CASE("names inside rdata (NS, CNAME, PTR, MX, SRV, SOA) must fill their rdata exactly") {
  using sprout::test::rr_type::kCname;
  using sprout::test::rr_type::kMx;
  using sprout::test::rr_type::kNs;
  using sprout::test::rr_type::kSrv;
  const auto walks = [](const MessageBuilder& b) {
    return sprout::cache::walk_records(b.bytes, [](const auto&) {}).ok;
  };
  // Well-formed: compressed and plain names, each ending where its rdata ends.
  CHECK(walks(MessageBuilder::answer("a.example.com").rr(Section::answer, "a.example.com", kCname, 60, {0xC0, 0x0C})));
  CHECK(walks(MessageBuilder::answer("a.example.com", kMx).rr(Section::answer, "a.example.com", kMx, 60, {0, 10, 0xC0, 0x0C})));
  CHECK(walks(MessageBuilder::answer("a.example.com", kSrv)
                  .rr(Section::answer, "a.example.com", kSrv, 60, {0, 1, 0, 2, 0, 53, 1, 'x', 0})));
  CHECK(walks(MessageBuilder::answer("a.example.com").soa(60, 60)));
  // The fuzzer's case: the exchange name's next label byte lies past the rdata (and the message).
  auto mx_past = MessageBuilder::answer("a.example.com", kMx).rr(Section::answer, "a.example.com", kMx, 60, {0, 10, 1, 0});
  CHECK_FALSE(walks(mx_past));
  CHECK(classify_answer(mx_past.bytes, key_of("a.example.com", kMx), kLimits).status == AnswerStatus::malformed);
  // A name that ends inside the next record, or before its rdata ends.
  auto ns_long = MessageBuilder::answer("a.example.com").rr(Section::authority, "a.example.com", kNs, 60, {1, 'x'});
  ns_long.a_ptr(Section::additional, 12, 60);
  CHECK_FALSE(walks(ns_long));
  CHECK_FALSE(walks(MessageBuilder::answer("a.example.com").rr(Section::answer, "a.example.com", kCname, 60, {0, 0, 0})));
  CHECK_FALSE(walks(MessageBuilder::answer("a.example.com").rr(Section::answer, "a.example.com", kCname, 60, {0xC0, 0xFF})));
  CHECK_FALSE(walks(MessageBuilder::answer("a.example.com", kSrv).rr(Section::answer, "a.example.com", kSrv, 60, {0, 1, 0})));
  auto soa_extra = MessageBuilder::answer("a.example.com", 1, 3).soa(60, 60);
  soa_extra.set16(soa_extra.ttl_offsets[0] + 4, static_cast<std::uint16_t>(soa_extra.bytes.size() - soa_extra.ttl_offsets[0] - 6 + 1));
  soa_extra.bytes.push_back(0);  // one byte after MINIMUM, counted in rdlength
  CHECK_FALSE(walks(soa_extra));
}

// Found by fuzz_answer (corpus/answer/regress-safesearch-a-rdlength-5): a 5-byte A went to the
// client, which reads 4 and then every later record one byte off (ldns: "additional section
// incomplete" once the client's OPT followed it); the address inspection never saw it either.
TEST_CASE("an address record has its one size: A 4 bytes, AAAA 16") {
  using sprout::test::rr_type::kA;
  using sprout::test::rr_type::kAaaa;
  const auto walks = [](const MessageBuilder& b) {
    return sprout::cache::walk_records(b.bytes, [](const auto&) {}).ok;
  };
  CHECK(walks(MessageBuilder::answer("a.example.com").rr(Section::answer, "a.example.com", kA, 60, {1, 2, 3, 4})));
  CHECK_FALSE(walks(MessageBuilder::answer("a.example.com").rr(Section::answer, "a.example.com", kA, 60, {1, 2, 3, 4, 5})));
  CHECK_FALSE(walks(MessageBuilder::answer("a.example.com").rr(Section::answer, "a.example.com", kA, 60, {1, 2, 3})));
  CHECK_FALSE(walks(MessageBuilder::answer("a.example.com", kAaaa).rr(Section::answer, "a.example.com", kAaaa, 60, {1, 2, 3, 4})));
  const std::vector<std::uint8_t> v6(16, 1);
  CHECK(walks(MessageBuilder::answer("a.example.com", kAaaa).rr(Section::answer, "a.example.com", kAaaa, 60, v6)));
}

// Found by fuzz_answer (corpus/answer/regress-https-target-past-rdata): an HTTPS record whose
// target name ran past its 3-byte rdata was forwarded; a client reads the name into the next
// record (ldns: "Label length overflow").
TEST_CASE("an SVCB/HTTPS target name ends inside its rdata; parameters may follow") {
  constexpr std::uint16_t kHttps = 65;
  const auto walks = [](const MessageBuilder& b) {
    return sprout::cache::walk_records(b.bytes, [](const auto&) {}).ok;
  };
  // Priority 1, target ".", then one parameter (alpn "h2").
  CHECK(walks(MessageBuilder::answer("a.example.com", kHttps)
                  .rr(Section::answer, "a.example.com", kHttps, 60, {0, 1, 0, 0, 1, 0, 3, 2, 'h', '2'})));
  CHECK(walks(MessageBuilder::answer("a.example.com", kHttps).rr(Section::answer, "a.example.com", kHttps, 60, {0, 1, 0})));
  CHECK_FALSE(walks(MessageBuilder::answer("a.example.com", kHttps).rr(Section::answer, "a.example.com", kHttps, 60, {0, 1, 1})));
  CHECK_FALSE(walks(MessageBuilder::answer("a.example.com", kHttps).rr(Section::answer, "a.example.com", kHttps, 60, {0, 1})));
}

TEST_CASE("the answers these tests build are DNS that ldns reads as intended") {
  using namespace sprout::test;
  answer_of(MessageBuilder::answer("example.com")
                .a_ptr(Section::answer, 12, 300)
                .rr(Section::authority, "example.com", rr_type::kNs, 250, {0xC0, 0x0C})
                .a(Section::additional, "ns.example.com", 5)
                .opt({.dnssec_ok = true})
                .bytes,
            {.rcode = rcode::kNoError, .rd = true, .ra = true, .qdcount = 1, .ancount = 1, .nscount = 1, .arcount = 2,
             .opt = true, .udp_size = 1232, .qname = "example.com.", .qtype = rr_type::kA});
  const auto nx = answer_of(MessageBuilder::answer("gone.test", rr_type::kAaaa, rcode::kNxDomain).soa(900, 300).bytes,
                            {.rcode = rcode::kNxDomain, .ancount = 0, .nscount = 1, .opt = false});
  REQUIRE(nx.authority.size() == 1);
  CHECK(nx.authority[0].type == rr_type::kSoa);
  CHECK(nx.authority[0].data == "gone.test. gone.test. 2024010101 7200 3600 1209600 300");
  const auto badvers = answer_of(MessageBuilder::answer("a.test").opt({.extended_rcode = 1}).bytes);
  CHECK(badvers.rcode() == rcode::kBadVers);
}
