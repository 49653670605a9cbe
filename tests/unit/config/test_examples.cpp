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
}

TEST_CASE("example school.yaml loads") {
  auto c = load_example("school.yaml");
  CHECK(c.networks.size() >= 2);
  for (const auto& n : c.networks) CHECK_FALSE(n.labels.empty());
}

TEST_CASE("example isp.yaml loads") {
  auto c = load_example("isp.yaml");
  CHECK(c.networks.size() >= 3);
  CHECK(c.upstreams.size() >= 2);
}
