// PacketCache under concurrent inserts and lookups: counts stay consistent, hits stay exact.
#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <thread>
#include <vector>

#include "cache_test_util.hpp"
#include "ldns_reader.hpp"

using sprout::cache::AnswerStatus;
using sprout::cache::LookupStatus;
using sprout::test::MessageBuilder;
using sprout::test::at;
using sprout::test::key_of;
using sprout::test::Section;

TEST_CASE("concurrent inserts and lookups keep the cache bounded and hits exact") {
  sprout::cache::PacketCache cache(sprout::test::small_options(64, 8));
  std::vector<std::string> names;
  std::vector<std::vector<std::uint8_t>> answers;
  for (int i = 0; i < 128; ++i) {
    names.push_back("h" + std::to_string(i) + ".test");
    answers.push_back(MessageBuilder::answer(names.back()).a_ptr(Section::answer, 12, 300).bytes);
  }
  // Catch2 assertions are for the test's own thread: the workers count, the test checks.
  std::atomic<int> wrong{0}, unreadable{0};
  auto work = [&](int seed) {
    std::array<std::uint8_t, 512> out{};
    for (int i = 0; i < 5000; ++i) {
      const std::size_t n = static_cast<std::size_t>(seed * 7919 + i * 31) % names.size();
      if (i % 3 == 0) {
        if (cache.insert(key_of(names[n]), answers[n], at(0)) != AnswerStatus::cacheable) ++wrong;
      } else if (const auto r = cache.lookup(key_of(names[n]), out, at(1)); r.status == LookupStatus::fresh) {
        if (r.size != answers[n].size() || !std::equal(out.begin() + 12, out.begin() + 16, answers[n].begin() + 12)) ++wrong;
        const auto m = sprout::test::parse_message(std::span<const std::uint8_t>(out.data(), r.size));
        if (!m || m->questions.size() != 1 || m->answers.size() != 1) ++unreadable;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(work, t);
  for (auto& t : threads) t.join();
  CHECK(wrong.load() == 0);
  CHECK(unreadable.load() == 0);
  CHECK(cache.size() <= 64);
  const auto s = cache.stats();
  CHECK(s.size == cache.size());
  CHECK(s.hits + s.misses == 4u * (5000 - 1667));
}
