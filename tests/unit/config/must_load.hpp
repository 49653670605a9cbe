// Test helper: load YAML that must be valid, showing every error if it is not.
#pragma once

#include <catch2/catch.hpp>

#include <string_view>

#include "sprout/config/loader.hpp"

inline sprout::config::Config must_load(std::string_view yaml) {
  auto r = sprout::config::load_string(yaml, "test.yaml");
  for (const auto& e : r.errors) UNSCOPED_INFO(e.to_string());
  REQUIRE(r.errors.empty());
  REQUIRE(r.config);
  return *r.config;
}
