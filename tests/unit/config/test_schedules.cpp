// Loading the policy keys: schedules and their windows, SafeSearch, time zones, cache, overrides.
#include <catch2/catch.hpp>

#include "must_load.hpp"
#include "sprout/config/loader.hpp"

using namespace sprout::config;
using namespace std::chrono_literals;

namespace {

constexpr const char* kPolicy = R"(
timezone: Asia/Ho_Chi_Minh
allow: [Example.EDU.]
deny: [bad.example]
blocked_answers: [10.0.0.0/8, "fd00::/8"]
proxy_protocol: [127.0.0.1/32]
cache:
  max_entries: 5000
  min_ttl: 0s
  max_ttl: 1d
  negative_ttl: 1h
  serve_stale: false
  stale_answer_ttl: 30s
  stale_max_age: 2d
  prefetch: false
categories: {social: {}, games: {}, education: {}}
profiles:
  kids:
    safesearch: {google: true, bing: true, duckduckgo: true, yandex: true, pixabay: true, youtube: strict}
    bypass_prevention: false
    timezone: America/New_York
    schedules:
      school-hours:
        windows:
          - {days: [mon, tue, wed, thu, fri], from: "07:00", to: "11:30"}
          - {days: [mon-fri], from: "13:30", to: "17:00"}
        block: [social, games]
      bedtime:
        windows: [{days: [daily], from: "21:30", to: "06:30"}]
        mode: block_all
        allow: [wikipedia.org]
      exam:
        windows: [{days: sat, from: "08:00", to: "24:00"}]
        mode: allowlist_only
        allow: [moet.gov.vn]
        allow_categories: [education]
  teens:
    safesearch: {youtube: moderate}
)";


std::uint8_t days_of(std::string_view item) {
  Config c = must_load("categories: {a: {}}\nprofiles: {p: {schedules: {s: {block: [a], windows: [{days: [" +
                      std::string(item) + "], from: '01:00', to: '02:00'}]}}}}\n");
  return c.profiles[0].schedules[0].windows[0].days;
}

}  // namespace

TEST_CASE("top-level policy keys load") {
  Config c = must_load(kPolicy);
  CHECK(c.timezone == "Asia/Ho_Chi_Minh");
  CHECK(c.allow == std::vector<std::string>{"example.edu"});
  CHECK(c.deny == std::vector<std::string>{"bad.example"});
  REQUIRE(c.blocked_answers.size() == 2);
  CHECK(c.blocked_answers[0].to_string() == "10.0.0.0/8");
  CHECK(c.blocked_answers[1].to_string() == "fd00::/8");
  REQUIRE(c.proxy_protocol.size() == 1);
  CHECK(c.proxy_protocol[0].to_string() == "127.0.0.1/32");
  CHECK(c.cache.max_entries == 5000);
  CHECK(c.cache.min_ttl == 0s);
  CHECK(c.cache.max_ttl == 86400s);
  CHECK(c.cache.negative_ttl == 3600s);
  CHECK_FALSE(c.cache.serve_stale);
  CHECK(c.cache.stale_answer_ttl == 30s);
  CHECK(c.cache.stale_max_age == 172800s);
  CHECK_FALSE(c.cache.prefetch);
}

TEST_CASE("profile SafeSearch, bypass prevention and time zone load") {
  Config c = must_load(kPolicy);
  const Profile& kids = c.profiles[0];
  CHECK(kids.safesearch.google);
  CHECK(kids.safesearch.bing);
  CHECK(kids.safesearch.duckduckgo);
  CHECK(kids.safesearch.yandex);
  CHECK(kids.safesearch.pixabay);
  CHECK(kids.safesearch.youtube == YoutubeMode::strict);
  CHECK_FALSE(kids.bypass_prevention);
  CHECK(kids.timezone == "America/New_York");
  const Profile& teens = c.profiles[1];
  CHECK_FALSE(teens.safesearch.google);
  CHECK(teens.safesearch.youtube == YoutubeMode::moderate);
  CHECK(teens.bypass_prevention);
  CHECK(teens.timezone.empty());
}

TEST_CASE("schedules load in file order with their windows and modes") {
  Config c = must_load(kPolicy);
  const auto& s = c.profiles[0].schedules;
  REQUIRE(s.size() == 3);
  CHECK(s[0].name == "school-hours");
  CHECK(s[0].mode == ScheduleMode::add_categories);
  CHECK(s[0].block == std::vector<std::string>{"social", "games"});
  REQUIRE(s[0].windows.size() == 2);
  CHECK(s[0].windows[0].days == 0x1f);
  CHECK(s[0].windows[0].start == 7 * 60);
  CHECK(s[0].windows[0].end == 11 * 60 + 30);
  CHECK(s[0].windows[1].days == 0x1f);
  CHECK(s[0].windows[1].start == 13 * 60 + 30);
  CHECK(s[1].name == "bedtime");
  CHECK(s[1].mode == ScheduleMode::block_all);
  CHECK(s[1].allow == std::vector<std::string>{"wikipedia.org"});
  CHECK(s[1].windows[0].days == 0x7f);
  CHECK(s[1].windows[0].start == 21 * 60 + 30);
  CHECK(s[1].windows[0].end == 6 * 60 + 30);  // end <= start: crosses midnight
  CHECK(s[2].mode == ScheduleMode::allowlist_only);
  CHECK(s[2].allow_categories == std::vector<std::string>{"education"});
  CHECK(s[2].windows[0].days == 0x20);
  CHECK(s[2].windows[0].end == 1440);
}

TEST_CASE("day names, ranges and groups") {
  CHECK(days_of("mon") == 0x01);
  CHECK(days_of("sunday") == 0x40);
  CHECK(days_of("mon-fri") == 0x1f);
  CHECK(days_of("fri-mon") == (0x10 | 0x20 | 0x40 | 0x01));  // wraps through the weekend
  CHECK(days_of("sun-sun") == 0x40);
  CHECK(days_of("weekdays") == 0x1f);
  CHECK(days_of("weekend") == 0x60);
  CHECK(days_of("daily") == 0x7f);
  CHECK(days_of("mon, wed, mon") == 0x05);
}

TEST_CASE("UTC is always a valid time zone and the default") {
  CHECK(must_load("").timezone == "UTC");
  CHECK(must_load("timezone: UTC\n").timezone == "UTC");
}

TEST_CASE("cache defaults apply when the section is absent") {
  Config c = must_load("cache: {}\n");
  CHECK(c.cache.max_entries == 100000);
  CHECK(c.cache.max_ttl == 86400s);
  CHECK(c.cache.serve_stale);
  CHECK(c.cache.prefetch);
}
