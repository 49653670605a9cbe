// PacketCache: hits, key separation, TTL ageing, negative entries, LRU, serve-stale, prefetch,
// collisions and key construction from a parsed query.
#include <catch2/catch.hpp>

#include <array>
#include <string>

#include "cache_test_util.hpp"
#include "catch_answer.hpp"
#include "sprout/dns/query_view.hpp"

using sprout::cache::AnswerStatus;
using sprout::cache::CacheKey;
using sprout::cache::LookupStatus;
using sprout::cache::PacketCache;
using sprout::cache::StaleMode;
using sprout::test::MessageBuilder;
using sprout::test::at;
using sprout::test::key_of;
using sprout::test::Section;
using sprout::test::small_options;
using sprout::test::t0;
using sprout::test::ttls_of;

namespace {

std::vector<std::uint8_t> a_answer(std::string_view name, std::uint32_t ttl, std::uint16_t type = 1) {
  return MessageBuilder::answer(name, type).rr_ptr(Section::answer, 12, type, ttl, {10, 0, 0, 1}).bytes;
}

struct Out {
  std::array<std::uint8_t, 4096> buf{};
  sprout::cache::LookupResult result;
  std::span<const std::uint8_t> msg() const { return {buf.data(), result.size}; }
};

// Every answer the cache hands out is read by ldns: a whole response with its one question.
Out lookup(PacketCache& c, const CacheKey& k, sprout::cache::Clock::time_point now, StaleMode m = StaleMode::refuse) {
  Out o;
  o.result = c.lookup(k, o.buf, now, m);
  if (o.result.status == LookupStatus::fresh || o.result.status == LookupStatus::stale) {
    sprout::test::answer_of(o.msg(), {.qdcount = 1});
  }
  return o;
}

std::uint64_t constant_hash(const CacheKey&) noexcept { return 42; }

}  // namespace

TEST_CASE("miss, insert, hit returns the stored bytes") {
  PacketCache c(small_options());
  const auto k = key_of("www.example.com");
  CHECK(lookup(c, k, t0()).result.status == LookupStatus::miss);
  const auto wire = a_answer("www.example.com", 300);
  REQUIRE(c.insert(k, wire, t0()) == AnswerStatus::cacheable);
  auto o = lookup(c, k, t0());
  REQUIRE(o.result.status == LookupStatus::fresh);
  CHECK(std::vector<std::uint8_t>(o.msg().begin(), o.msg().end()) == wire);
  CHECK(c.size() == 1);
  const auto s = c.stats();
  CHECK(s.hits == 1);
  CHECK(s.misses == 1);
  CHECK(s.inserts == 1);
}

TEST_CASE("keys differ by type, class, DO and CD; the name is case-insensitive") {
  PacketCache c(small_options());
  REQUIRE(c.insert(key_of("www.example.com"), a_answer("www.example.com", 300), t0()) == AnswerStatus::cacheable);
  CHECK(lookup(c, key_of("WWW.Example.COM"), t0()).result.status == LookupStatus::fresh);
  CHECK(lookup(c, key_of("www.example.com", 28), t0()).result.status == LookupStatus::miss);
  CHECK(lookup(c, key_of("www.example.com", 1, true), t0()).result.status == LookupStatus::miss);
  CHECK(lookup(c, key_of("www.example.com", 1, false, true), t0()).result.status == LookupStatus::miss);
  CHECK(lookup(c, key_of("www.example.com", 1, false, false, 3), t0()).result.status == LookupStatus::miss);
  CHECK(lookup(c, key_of("ww.example.com"), t0()).result.status == LookupStatus::miss);
  // The DO variant is its own entry.
  REQUIRE(c.insert(key_of("www.example.com", 1, true), a_answer("www.example.com", 300), t0()) == AnswerStatus::cacheable);
  CHECK(lookup(c, key_of("www.example.com", 1, true), t0()).result.status == LookupStatus::fresh);
  CHECK(c.size() == 2);
}

TEST_CASE("every TTL is decremented by the age; the entry expires at its TTL") {
  PacketCache c(small_options());
  const auto k = key_of("a.example.com");
  auto b = MessageBuilder::answer("a.example.com")
               .a_ptr(Section::answer, 12, 300)
               .a_ptr(Section::answer, 12, 500)
               .rr(Section::authority, "example.com", 2, 1000, {0xC0, 0x0C})
               .a(Section::additional, "ns.example.com", 40)
               .opt({.dnssec_ok = true});
  REQUIRE(c.insert(k, b.bytes, t0()) == AnswerStatus::cacheable);
  // Stored at age 0: nothing above the entry TTL (300); the glue keeps its lower 40.
  CHECK(ttls_of(lookup(c, k, t0()).msg()) == std::vector<std::uint32_t>{300, 300, 300, 40});
  auto o = lookup(c, k, at(100));
  REQUIRE(o.result.status == LookupStatus::fresh);
  CHECK(ttls_of(o.msg()) == std::vector<std::uint32_t>{200, 200, 200, 0});
  // OPT is untouched: its TTL field carries the DO bit.
  const auto m = sprout::test::answer_of(o.msg(), {.ancount = 2, .nscount = 1, .arcount = 2, .opt = true});
  REQUIRE(m.edns);
  CHECK(m.edns->dnssec_ok);
  CHECK(lookup(c, k, at(299)).result.status == LookupStatus::fresh);
  CHECK(lookup(c, k, at(300)).result.status == LookupStatus::miss);
  CHECK(c.size() == 0);
  CHECK(c.stats().expired == 1);
}

TEST_CASE("min_ttl raises and max_ttl lowers the entry lifetime and served TTLs") {
  auto opts = small_options();
  opts.min_ttl = std::chrono::seconds(60);
  opts.max_ttl = std::chrono::seconds(600);
  PacketCache c(opts);
  REQUIRE(c.insert(key_of("low.test"), a_answer("low.test", 5), t0()) == AnswerStatus::cacheable);
  REQUIRE(c.insert(key_of("high.test"), a_answer("high.test", 86400), t0()) == AnswerStatus::cacheable);
  CHECK(ttls_of(lookup(c, key_of("low.test"), at(10)).msg()) == std::vector<std::uint32_t>{50});
  CHECK(lookup(c, key_of("low.test"), at(59)).result.status == LookupStatus::fresh);
  CHECK(lookup(c, key_of("low.test"), at(60)).result.status == LookupStatus::miss);
  CHECK(ttls_of(lookup(c, key_of("high.test"), t0()).msg()) == std::vector<std::uint32_t>{600});
  CHECK(lookup(c, key_of("high.test"), at(600)).result.status == LookupStatus::miss);
}

TEST_CASE("negative entries: NXDOMAIN and NODATA live min(SOA TTL, MINIMUM, negative_ttl)") {
  auto opts = small_options();
  opts.negative_ttl = std::chrono::seconds(200);
  PacketCache c(opts);
  REQUIRE(c.insert(key_of("gone.test"), MessageBuilder::answer("gone.test", 1, 3).soa(3600, 100).bytes, t0()) ==
          AnswerStatus::cacheable);
  REQUIRE(c.insert(key_of("v4.test", 28), MessageBuilder::answer("v4.test", 28).soa(3600, 900).bytes, t0()) ==
          AnswerStatus::cacheable);
  auto nx = lookup(c, key_of("gone.test"), at(10));
  REQUIRE(nx.result.status == LookupStatus::fresh);
  sprout::test::answer_of(nx.msg(), {.rcode = sprout::test::rcode::kNxDomain, .ancount = 0, .nscount = 1});
  CHECK(ttls_of(nx.msg()) == std::vector<std::uint32_t>{90});  // SOA TTL served as the negative TTL
  CHECK(lookup(c, key_of("gone.test"), at(100)).result.status == LookupStatus::miss);
  CHECK(ttls_of(lookup(c, key_of("v4.test", 28), at(50)).msg()) == std::vector<std::uint32_t>{150});
  CHECK(lookup(c, key_of("v4.test", 28), at(200)).result.status == LookupStatus::miss);
  CHECK(c.insert(key_of("nosoa.test"), MessageBuilder::answer("nosoa.test", 1, 3).bytes, t0()) ==
        AnswerStatus::negative_without_soa);
}

TEST_CASE("SERVFAIL, REFUSED and TC answers are not cached and do not replace an entry") {
  PacketCache c(small_options());
  const auto k = key_of("a.test");
  CHECK(c.insert(k, MessageBuilder::answer("a.test", 1, 2).bytes, t0()) == AnswerStatus::error_rcode);
  CHECK(c.insert(k, MessageBuilder::answer("a.test", 1, 5).bytes, t0()) == AnswerStatus::error_rcode);
  auto tc = MessageBuilder::answer("a.test").a_ptr(Section::answer, 12, 60).add_flags(0x0200);
  CHECK(c.insert(k, tc.bytes, t0()) == AnswerStatus::truncated);
  CHECK(c.size() == 0);
  CHECK(c.stats().rejected == 3);
  REQUIRE(c.insert(k, a_answer("a.test", 60), t0()) == AnswerStatus::cacheable);
  CHECK(c.insert(k, MessageBuilder::answer("a.test", 1, 2).bytes, at(1)) == AnswerStatus::error_rcode);
  CHECK(lookup(c, k, at(2)).result.status == LookupStatus::fresh);
}

TEST_CASE("LRU eviction at capacity drops the least recently used entry") {
  PacketCache c(small_options(3, 1));
  const std::array<std::string, 4> names{"a.test", "b.test", "c.test", "d.test"};
  for (int i = 0; i < 3; ++i) REQUIRE(c.insert(key_of(names[i]), a_answer(names[i], 300), t0()) == AnswerStatus::cacheable);
  CHECK(lookup(c, key_of("a.test"), t0()).result.status == LookupStatus::fresh);  // a is now most recent
  REQUIRE(c.insert(key_of("d.test"), a_answer("d.test", 300), t0()) == AnswerStatus::cacheable);
  CHECK(c.size() == 3);
  CHECK(c.stats().evictions == 1);
  CHECK(lookup(c, key_of("b.test"), t0()).result.status == LookupStatus::miss);
  CHECK(lookup(c, key_of("a.test"), t0()).result.status == LookupStatus::fresh);
  CHECK(lookup(c, key_of("c.test"), t0()).result.status == LookupStatus::fresh);
  CHECK(lookup(c, key_of("d.test"), t0()).result.status == LookupStatus::fresh);
  // Re-inserting an existing key replaces it in place, no eviction.
  REQUIRE(c.insert(key_of("c.test"), a_answer("c.test", 100), at(1)) == AnswerStatus::cacheable);
  CHECK(c.size() == 3);
  CHECK(c.stats().evictions == 1);
  CHECK(ttls_of(lookup(c, key_of("c.test"), at(1)).msg()) == std::vector<std::uint32_t>{100});
}

TEST_CASE("the total never exceeds max_entries across shards") {
  PacketCache c(small_options(10, 16));
  CHECK(c.shard_count() <= 8);
  for (int i = 0; i < 200; ++i) {
    const std::string n = "host" + std::to_string(i) + ".test";
    REQUIRE(c.insert(key_of(n), a_answer(n, 300), t0()) == AnswerStatus::cacheable);
    CHECK(c.size() <= 10);
  }
  CHECK(c.size() == 10);
  CHECK(c.stats().evictions == 190);
}

TEST_CASE("serve-stale: expired entries are served on request within stale_max_age") {
  auto opts = small_options();
  opts.serve_stale = true;
  opts.stale_answer_ttl = std::chrono::seconds(30);
  opts.stale_max_age = std::chrono::seconds(1000);
  PacketCache c(opts);
  const auto k = key_of("a.test");
  REQUIRE(c.insert(k, MessageBuilder::answer("a.test").a_ptr(Section::answer, 12, 100).a_ptr(Section::answer, 12, 200).bytes, t0()) ==
          AnswerStatus::cacheable);
  CHECK(lookup(c, k, at(100)).result.status == LookupStatus::miss);  // not asked for stale: miss
  CHECK(c.size() == 1);                                              // but kept
  auto o = lookup(c, k, at(500), StaleMode::accept);
  REQUIRE(o.result.status == LookupStatus::stale);
  CHECK(ttls_of(o.msg()) == std::vector<std::uint32_t>{30, 30});
  CHECK_FALSE(o.result.should_prefetch);
  CHECK(lookup(c, k, at(50), StaleMode::accept).result.status == LookupStatus::fresh);  // fresh wins
  CHECK(lookup(c, k, at(1099), StaleMode::accept).result.status == LookupStatus::stale);
  CHECK(lookup(c, k, at(1100), StaleMode::accept).result.status == LookupStatus::miss);
  CHECK(c.size() == 0);
  CHECK(c.stats().stale_hits == 2);
}

TEST_CASE("without serve_stale an expired entry is never returned") {
  PacketCache c(small_options());
  const auto k = key_of("a.test");
  REQUIRE(c.insert(k, a_answer("a.test", 100), t0()) == AnswerStatus::cacheable);
  CHECK(lookup(c, k, at(100), StaleMode::accept).result.status == LookupStatus::miss);
  CHECK(c.size() == 0);
}

TEST_CASE("prefetch is signalled once, in the last 10% of the TTL, after enough hits") {
  auto opts = small_options();
  opts.prefetch = true;
  opts.prefetch_min_hits = 3;
  PacketCache c(opts);
  const auto k = key_of("popular.test");
  REQUIRE(c.insert(k, a_answer("popular.test", 100), t0()) == AnswerStatus::cacheable);
  CHECK_FALSE(lookup(c, k, at(10)).result.should_prefetch);  // early
  CHECK_FALSE(lookup(c, k, at(20)).result.should_prefetch);  // early
  CHECK_FALSE(lookup(c, k, at(89)).result.should_prefetch);  // 11% left
  CHECK(lookup(c, k, at(90)).result.should_prefetch);        // 10% left, 4 hits
  CHECK_FALSE(lookup(c, k, at(95)).result.should_prefetch);  // only once
  PacketCache d(opts);
  REQUIRE(d.insert(k, a_answer("popular.test", 100), t0()) == AnswerStatus::cacheable);
  CHECK_FALSE(lookup(d, k, at(91)).result.should_prefetch);  // 1 hit
  CHECK_FALSE(lookup(d, k, at(92)).result.should_prefetch);  // 2 hits
  CHECK(lookup(d, k, at(93)).result.should_prefetch);        // 3 hits, 7% left
  CHECK_FALSE(lookup(d, k, at(94)).result.should_prefetch);  // only once
  // The refreshed entry (the prefetch's answer) can be prefetched again near its own end.
  REQUIRE(d.insert(k, a_answer("popular.test", 100), at(95)) == AnswerStatus::cacheable);
  CHECK_FALSE(lookup(d, k, at(186)).result.should_prefetch);
  CHECK_FALSE(lookup(d, k, at(186)).result.should_prefetch);
  CHECK(lookup(d, k, at(186)).result.should_prefetch);
  auto e = small_options();
  e.prefetch = false;
  PacketCache off(e);
  REQUIRE(off.insert(k, a_answer("popular.test", 100), t0()) == AnswerStatus::cacheable);
  for (int i = 0; i < 5; ++i) CHECK_FALSE(lookup(off, k, at(95)).result.should_prefetch);
}

TEST_CASE("TTL patching follows compressed owner names in every section") {
  PacketCache c(small_options());
  const auto k = key_of("a.example.com");
  auto b = MessageBuilder::answer("a.example.com")
               .rr_ptr(Section::answer, 12, 5, 500, {3, 'w', 'w', 'w', 0xC0, 14})
               .a(Section::answer, "www.example.com", 400);
  const auto www = static_cast<std::uint16_t>(b.ttl_offsets[1] - 4 - 17);
  b.a_ptr(Section::answer, www, 300)
      .rr_ptr(Section::authority, 14, 2, 900, {2, 'n', 's', 0xC0, 14})
      .a_ptr(Section::additional, static_cast<std::uint16_t>(www + 4), 800)
      .opt();
  REQUIRE(c.insert(k, b.bytes, t0()) == AnswerStatus::cacheable);
  auto o = lookup(c, k, at(120));
  REQUIRE(o.result.status == LookupStatus::fresh);
  CHECK(ttls_of(o.msg()) == std::vector<std::uint32_t>{180, 180, 180, 180, 180});
  // Only TTL bytes changed.
  std::size_t diffs = 0;
  for (std::size_t i = 0; i < b.bytes.size(); ++i) diffs += o.buf[i] != b.bytes[i];
  CHECK(diffs <= 5 * 4);
  for (std::size_t i = 0; i < b.bytes.size(); ++i) {
    bool in_ttl = false;
    for (auto off : b.ttl_offsets) in_ttl = in_ttl || (i >= off && i < off + 4);
    if (!in_ttl) CHECK(o.buf[i] == b.bytes[i]);
  }
}

TEST_CASE("malformed answers are rejected by insert, not stored") {
  PacketCache c(small_options());
  const auto k = key_of("a.test");
  auto b = MessageBuilder::answer("a.test").a_ptr(Section::answer, 12, 60);
  b.set16(b.ttl_offsets[0] + 4, 1000);
  CHECK(c.insert(k, b.bytes, t0()) == AnswerStatus::malformed);
  CHECK(c.insert(k, std::vector<std::uint8_t>{0x12, 0x34, 0x81}, t0()) == AnswerStatus::malformed);
  CHECK(c.insert(k, std::span<const std::uint8_t>(), t0()) == AnswerStatus::malformed);
  CHECK(c.size() == 0);
}

TEST_CASE("trailing bytes after the last record are not stored") {
  PacketCache c(small_options());
  const auto k = key_of("a.test");
  auto wire = a_answer("a.test", 60);
  const auto size = wire.size();
  wire.insert(wire.end(), {1, 2, 3});
  REQUIRE(c.insert(k, wire, t0()) == AnswerStatus::cacheable);
  CHECK(lookup(c, k, t0()).result.size == size);
}

TEST_CASE("a small buffer gets too_small and the needed size, nothing copied") {
  PacketCache c(small_options());
  const auto k = key_of("a.test");
  const auto wire = a_answer("a.test", 60);
  REQUIRE(c.insert(k, wire, t0()) == AnswerStatus::cacheable);
  std::array<std::uint8_t, 8> tiny{};
  auto r = c.lookup(k, tiny, t0());
  CHECK(r.status == LookupStatus::too_small);
  CHECK(r.size == wire.size());
  CHECK(tiny == std::array<std::uint8_t, 8>{});
}

TEST_CASE("hash collisions never serve another key's answer") {
  PacketCache c(small_options(), &constant_hash);
  const auto a = key_of("a.test");
  const auto b = key_of("b.test");
  REQUIRE(c.insert(a, a_answer("a.test", 300), t0()) == AnswerStatus::cacheable);
  CHECK(lookup(c, b, t0()).result.status == LookupStatus::miss);
  REQUIRE(c.insert(b, a_answer("b.test", 300), t0()) == AnswerStatus::cacheable);
  CHECK(c.size() == 2);
  const std::array<std::pair<CacheKey, std::string_view>, 2> cases{{{a, "a.test"}, {b, "b.test"}}};
  for (const auto& [key, name] : cases) {
    auto o = lookup(c, key, t0());
    REQUIRE(o.result.status == LookupStatus::fresh);
    sprout::dns::NameText text;
    REQUIRE(sprout::dns::read_name(o.msg(), 12, &text).error == sprout::dns::NameError::ok);
    CHECK(text.view() == name);
  }
  CHECK(lookup(c, key_of("a.test", 28), t0()).result.status == LookupStatus::miss);
}

TEST_CASE("max_entries = 0 disables the cache") {
  auto opts = small_options(0);
  PacketCache c(opts);
  CHECK_FALSE(c.enabled());
  CHECK(c.insert(key_of("a.test"), a_answer("a.test", 60), t0()) == AnswerStatus::disabled);
  CHECK(lookup(c, key_of("a.test"), t0()).result.status == LookupStatus::miss);
}

TEST_CASE("make_key takes name, type, class, DO and CD from a parsed query") {
  const auto q = MessageBuilder::query("Mixed.Case.Test", 28).add_flags(sprout::test::flag::kCd).opt({.dnssec_ok = true});
  sprout::dns::QueryView v;
  REQUIRE(sprout::dns::parse_query(q.bytes, v) == sprout::dns::ParseStatus::ok);
  auto k = sprout::cache::make_key(v);
  REQUIRE(k);
  CHECK(k->qname == "mixed.case.test");
  CHECK(k->qtype == 28);
  CHECK(k->qclass == 1);
  CHECK(k->dnssec_ok);
  CHECK(k->checking_disabled);
  // A label holding a '.' has ambiguous text: such queries bypass the cache.
  const auto odd = MessageBuilder().count(Section::question, 1).raw({3, 'a', '.', 'b', 1, 'c', 0, 0, 1, 0, 1});
  REQUIRE(sprout::dns::parse_query(odd.bytes, v) == sprout::dns::ParseStatus::ok);
  CHECK_FALSE(sprout::cache::make_key(v));
}

TEST_CASE("a shard's table grows past its initial size and every entry stays reachable") {
  PacketCache c(small_options(5000, 1));
  std::vector<std::string> names;
  for (int i = 0; i < 5000; ++i) names.push_back("n" + std::to_string(i) + ".test");
  for (const auto& n : names) REQUIRE(c.insert(key_of(n), a_answer(n, 300), t0()) == AnswerStatus::cacheable);
  CHECK(c.size() == 5000);
  std::size_t hits = 0;
  for (const auto& n : names) hits += lookup(c, key_of(n), t0()).result.status == LookupStatus::fresh;
  CHECK(hits == 5000);
  CHECK(c.stats().evictions == 0);
  c.clear();
  CHECK(c.size() == 0);
}
