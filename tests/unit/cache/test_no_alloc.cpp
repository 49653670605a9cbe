// The hit path must not allocate: the executable links the counting operator new.
#include <catch2/catch.hpp>

#include <array>
#include <string>

#include "counting_new.hpp"
#include "cache_test_util.hpp"
#include "catch_answer.hpp"

using sprout::cache::LookupStatus;
using sprout::cache::StaleMode;
using sprout::test::MessageBuilder;
using sprout::test::at;
using sprout::test::key_of;
using sprout::test::Section;

TEST_CASE("1000 hits (fresh, prefetch-flagged and stale) allocate nothing") {
  auto opts = sprout::test::small_options(1000, 16);
  opts.serve_stale = true;
  opts.prefetch = true;
  opts.prefetch_min_hits = 1;
  sprout::cache::PacketCache cache(opts);
  std::vector<std::string> names;
  for (int i = 0; i < 10; ++i) names.push_back("host" + std::to_string(i) + ".example.com");
  const std::size_t before_insert = sprout::test::allocation_count();
  for (const auto& n : names) {
    auto b = MessageBuilder::answer(n).a_ptr(Section::answer, 12, 1000).a_ptr(Section::answer, 12, 900).soa(900, 60).opt({.dnssec_ok = true});
    REQUIRE(cache.insert(key_of(n), b.bytes, at(0)) == sprout::cache::AnswerStatus::cacheable);
  }
  REQUIRE(sprout::test::allocation_count() > before_insert);  // the counter does see allocations

  std::array<std::uint8_t, 4096> out{};
  std::size_t fresh = 0, stale = 0, prefetch = 0, last_size = 0;
  const std::size_t before = sprout::test::allocation_count();
  for (int i = 0; i < 1000; ++i) {
    const auto now = at(i < 700 ? 200 + i : 1000 + i);  // 700 fresh (the last 90 near expiry), 300 stale
    const auto r = cache.lookup(key_of(names[static_cast<std::size_t>(i) % names.size()]), out, now, StaleMode::accept);
    fresh += r.status == LookupStatus::fresh;
    stale += r.status == LookupStatus::stale;
    prefetch += r.should_prefetch;
    last_size = r.size;
  }
  const std::size_t during = sprout::test::allocation_count() - before;
  CHECK(during == 0);
  // The last (stale) hit, read by ldns only now that nothing is being counted.
  sprout::test::answer_of(std::span<const std::uint8_t>(out.data(), last_size), {.ancount = 2, .nscount = 1, .opt = true});
  CHECK(fresh == 700);
  CHECK(stale == 300);
  CHECK(prefetch == 10);
}
