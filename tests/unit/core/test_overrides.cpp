// The dashboard's overrides file layered on the YAML: checked by the config code with located
// errors, then compiled into the profiles: domains, category switches, schedules kept on or off
// until a time (with the TTL capped there), and explain naming the override as the rule.
#include <catch2/catch.hpp>

#include "sprout/config/loader.hpp"
#include "sprout/core/decision.hpp"
#include "sprout/core/explain.hpp"
#include "sprout/core/snapshot.hpp"
#include "sprout/time/clock.hpp"

using namespace sprout;

namespace {

constexpr const char* kYaml =
    "categories: {games: {}, social: {}}\n"
    "profiles:\n"
    "  kids:\n"
    "    block: [games]\n"
    "    allow: [school.example]\n"
    "    schedules:\n"
    "      bedtime: {windows: [{days: daily, from: \"21:00\", to: \"06:00\"}], mode: block_all}\n"
    "networks: {home: {cidrs: [127.0.0.0/8], profile: kids}}\n";

config::Config base() {
  auto r = config::load_string(kYaml, "sprout.yaml");
  REQUIRE(r.errors.empty());
  return *r.config;
}

std::shared_ptr<core::Snapshot> snapshot_with(const std::string& overrides_json) {
  auto cfg = std::make_shared<config::Config>(base());
  const auto errors = config::parse_overrides(overrides_json, "overrides.json", *cfg, cfg->overrides);
  REQUIRE(errors.empty());
  blocklists::IndexBuilder b;
  b.add("games.example", {.allow = false, .cover = blocklists::Cover::exact_and_subtree, .nodata = false}, 1, 0);
  b.add("chat.example", {.allow = false, .cover = blocklists::Cover::exact_and_subtree, .nodata = false}, 2, 0);
  return std::make_shared<core::Snapshot>(cfg, std::make_shared<blocklists::DomainIndex>(b.build()));
}

std::chrono::system_clock::time_point at(const char* iso) { return *time::parse_iso8601(iso); }

core::Decision decide(const core::Snapshot& s, std::string_view name, const char* when) {
  return core::decide(s, 0, name, 1, at(when));
}

}  // namespace

TEST_CASE("overrides: errors are located in the overrides file and name what is valid", "[overrides]") {
  const config::Config cfg = base();
  config::Overrides o;
  const auto errors = config::parse_overrides(
      "{\"profiles\": {\"kids\": {\"allow\": [\"ok.example\", \"not a domain\"], \"categories\": {\"gamez\": true},\n"
      "  \"schedules\": {\"bedtime\": {\"active\": true}}, \"colour\": 1},\n"
      " \"nobody\": {}}}",
      "/var/lib/sprout/overrides.json", cfg, o);
  REQUIRE(errors.size() == 5);
  for (const auto& e : errors) UNSCOPED_INFO(e.to_string());
  CHECK(errors[0].to_string().starts_with("/var/lib/sprout/overrides.json:1:48: profiles.kids.allow[1]: 'not a domain'"));
  CHECK(errors[1].to_string().find("profiles.kids.categories.gamez: unknown category 'gamez' (defined: games, social)") != std::string::npos);
  CHECK(errors[2].to_string().find(":2:28: profiles.kids.schedules.bedtime: missing required key 'until'") != std::string::npos);
  CHECK(errors[3].to_string().find(":2:47: profiles.kids: unknown key 'colour' (valid: allow, deny, categories, schedules)") != std::string::npos);
  CHECK(errors[4].to_string().find(":3:12: profiles.nobody: unknown profile 'nobody' (defined: kids, default)") != std::string::npos);
  CHECK(o.profiles.empty());  // nothing applied from a file with errors
  CHECK(config::load_overrides("/nonexistent/overrides.json", cfg, o).empty());  // no file: none
}

TEST_CASE("overrides: a domain allowed or blocked for the profile, on top of the YAML", "[overrides]") {
  const auto plain = snapshot_with("{}");
  CHECK(decide(*plain, "games.example", "2026-12-01T12:00:00Z").kind == core::DecisionKind::block);
  CHECK(decide(*plain, "news.example", "2026-12-01T12:00:00Z").kind == core::DecisionKind::resolve);
  const auto s = snapshot_with("{\"profiles\": {\"kids\": {\"allow\": [\"games.example\"], \"deny\": [\"news.example\"]}}}");
  const auto allowed = decide(*s, "www.games.example", "2026-12-01T12:00:00Z");
  CHECK(allowed.kind == core::DecisionKind::resolve);
  CHECK(allowed.reason == core::Reason::allow_override);
  CHECK(decide(*s, "news.example", "2026-12-01T12:00:00Z").kind == core::DecisionKind::block);
  CHECK(decide(*s, "school.example", "2026-12-01T12:00:00Z").reason == core::Reason::allow_override);  // the YAML's stays
  const auto e = core::explain(*s, *config::IpAddress::parse("127.0.0.1"), "www.games.example", "A", at("2026-12-01T12:00:00Z"));
  CHECK(e.reason == "override");
  CHECK(e.source == "overrides.json (profile kids)");
  CHECK(core::to_text(e).find("rule:      override: allow 'games.example' for profile kids (dashboard override, overrides.json)") !=
        std::string::npos);
  const auto yaml = core::explain(*s, *config::IpAddress::parse("127.0.0.1"), "school.example", "A", at("2026-12-01T12:00:00Z"));
  CHECK(yaml.reason == "allow override");
  CHECK(yaml.source == "profiles.kids.allow");
}

TEST_CASE("overrides: categories switched on and off for the profile", "[overrides]") {
  const auto s = snapshot_with("{\"profiles\": {\"kids\": {\"categories\": {\"games\": false, \"social\": true}}}}");
  CHECK(decide(*s, "games.example", "2026-12-01T12:00:00Z").kind == core::DecisionKind::resolve);
  const auto chat = decide(*s, "chat.example", "2026-12-01T12:00:00Z");
  CHECK(chat.kind == core::DecisionKind::block);
  const auto e = core::explain(*s, *config::IpAddress::parse("127.0.0.1"), "chat.example", "A", at("2026-12-01T12:00:00Z"));
  CHECK(e.override_rule == "category social switched on for profile kids (dashboard override, overrides.json)");
}

TEST_CASE("overrides: a schedule skipped or extended until a time, the TTL capped there", "[overrides]") {
  const auto plain = snapshot_with("{}");
  CHECK(decide(*plain, "news.example", "2026-12-01T22:00:00Z").reason == core::Reason::schedule_block_all);
  // Bedtime skipped tonight: until 06:00 the next morning.
  const auto skipped = snapshot_with("{\"profiles\": {\"kids\": {\"schedules\": {\"bedtime\": {\"active\": false, \"until\": " +
                                     std::to_string(std::chrono::system_clock::to_time_t(at("2026-12-02T06:00:00Z"))) + "}}}}}");
  const auto night = decide(*skipped, "news.example", "2026-12-01T22:00:00Z");
  CHECK(night.kind == core::DecisionKind::resolve);
  CHECK(night.ttl_cap <= 8 * 3600);
  CHECK(decide(*skipped, "news.example", "2026-12-02T22:00:00Z").kind == core::DecisionKind::block);  // the next night counts
  // Extended by an hour past 06:00.
  const auto extended = snapshot_with("{\"profiles\": {\"kids\": {\"schedules\": {\"bedtime\": {\"active\": true, \"until\": " +
                                      std::to_string(std::chrono::system_clock::to_time_t(at("2026-12-02T07:00:00Z"))) + "}}}}}");
  const auto morning = decide(*extended, "news.example", "2026-12-02T06:30:00Z");
  CHECK(morning.kind == core::DecisionKind::block);
  CHECK(morning.ttl_cap == 1800);
  CHECK(decide(*extended, "news.example", "2026-12-02T07:00:00Z").kind == core::DecisionKind::resolve);
  const auto e = core::explain(*extended, *config::IpAddress::parse("127.0.0.1"), "news.example", "A", at("2026-12-02T06:30:00Z"));
  CHECK(e.override_rule == "schedule bedtime extended for profile kids (dashboard override, overrides.json)");
}
