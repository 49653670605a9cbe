// The reference configs under config/examples must load without a single error.
#include <catch2/catch.hpp>

#include "sprout/config/loader.hpp"

namespace {

sprout::config::Config load_example(const std::string& name) {
  auto result = sprout::config::load_file(std::string(SPROUT_CONFIG_EXAMPLES_DIR) + "/" + name);
  for (const auto& e : result.errors) UNSCOPED_INFO(e.to_string());
  REQUIRE(result.errors.empty());
  REQUIRE(result.config);
  return *result.config;
}

}  // namespace

TEST_CASE("example home.yaml loads") {
  auto c = load_example("home.yaml");
  CHECK(c.networks.size() == 1);
  CHECK(c.profiles.size() >= 2);
  CHECK(c.timezone == "Asia/Ho_Chi_Minh");
  CHECK(c.profiles[0].safesearch.google);
  REQUIRE(c.profiles[0].schedules.size() == 2);
  CHECK(c.profiles[0].schedules[0].mode == sprout::config::ScheduleMode::block_all);
  CHECK(c.profiles[0].rebinding_protection);
  CHECK(c.profiles[0].rebinding_allow == std::vector<std::string>{"myrouter.example"});
  CHECK(c.rate_limit.qps == 100);
  CHECK(c.rate_limit.ipv6_prefix == 56);
  CHECK(c.upstream_limit.total == 1000);
  CHECK(c.profiles[0].services == std::vector<std::string>{"tiktok", "roblox", "minecraft"});
  CHECK(c.profiles[0].schedules[1].allow_services == std::vector<std::string>{"roblox", "minecraft"});
}

TEST_CASE("example school.yaml loads") {
  auto c = load_example("school.yaml");
  CHECK(c.networks.size() >= 2);
  for (const auto& n : c.networks) CHECK_FALSE(n.labels.empty());
  REQUIRE(c.profiles[0].schedules.size() == 2);
  CHECK(c.profiles[0].schedules[0].block == std::vector<std::string>{"social", "games"});
  CHECK(c.profiles[0].schedules[1].mode == sprout::config::ScheduleMode::allowlist_only);
  CHECK(c.profiles[0].safesearch.youtube == sprout::config::YoutubeMode::strict);
  CHECK(c.rate_limit.action == sprout::config::RateLimitAction::truncate);
  CHECK(c.upstream_limit.per_client == 50);
}

TEST_CASE("example isp.yaml loads") {
  auto c = load_example("isp.yaml");
  CHECK(c.networks.size() >= 3);
  CHECK(c.upstreams.size() >= 2);
  CHECK(c.proxy_protocol.size() == 2);
  CHECK(c.cache.max_entries == 2000000);
  CHECK(c.cache.negative_ttl == std::chrono::minutes(15));
  CHECK(c.upstream_limit.total == 2000);
  for (const auto& p : c.profiles) CHECK(p.rebinding_protection == (p.name != "operations"));
  CHECK(c.instance.name == "hanoi-isp-1");
  CHECK(c.instance.labels.at("province") == "Hanoi");
  CHECK(c.stats.backend == sprout::config::StatsBackend::postgresql);
  CHECK(c.stats.postgresql.conninfo_file == "/etc/sprout/stats.conninfo");
}
