// The hit path must not allocate: global operator new is replaced by a counting one here.
#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "cache_test_util.hpp"
#include "catch_answer.hpp"

namespace {
std::atomic<std::size_t> g_allocations{0};
}

// Replacements for the whole test_cache executable; they only count, then defer to malloc.
void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

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
  const std::size_t before_insert = g_allocations.load();
  for (const auto& n : names) {
    auto b = MessageBuilder::answer(n).a_ptr(Section::answer, 12, 1000).a_ptr(Section::answer, 12, 900).soa(900, 60).opt({.dnssec_ok = true});
    REQUIRE(cache.insert(key_of(n), b.bytes, at(0)) == sprout::cache::AnswerStatus::cacheable);
  }
  REQUIRE(g_allocations.load() > before_insert);  // the counter does see allocations

  std::array<std::uint8_t, 4096> out{};
  std::size_t fresh = 0, stale = 0, prefetch = 0, last_size = 0;
  const std::size_t before = g_allocations.load();
  for (int i = 0; i < 1000; ++i) {
    const auto now = at(i < 700 ? 200 + i : 1000 + i);  // 700 fresh (the last 90 near expiry), 300 stale
    const auto r = cache.lookup(key_of(names[static_cast<std::size_t>(i) % names.size()]), out, now, StaleMode::accept);
    fresh += r.status == LookupStatus::fresh;
    stale += r.status == LookupStatus::stale;
    prefetch += r.should_prefetch;
    last_size = r.size;
  }
  const std::size_t during = g_allocations.load() - before;
  CHECK(during == 0);
  // The last (stale) hit, read by ldns only now that nothing is being counted.
  sprout::test::answer_of(std::span<const std::uint8_t>(out.data(), last_size), {.ancount = 2, .nscount = 1, .opt = true});
  CHECK(fresh == 700);
  CHECK(stale == 300);
  CHECK(prefetch == 10);
}
