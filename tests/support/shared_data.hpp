// Test support for Catch2 tests: the shared real-world test data (../shared/data). A test that
// needs it fails without it, naming what is missing: it never passes by skipping itself.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>

namespace sprout::test {

inline std::filesystem::path shared_data_root() { return SPROUT_SHARED_DATA; }

// `relative` under the shared data root; REQUIREs that it exists.
inline std::filesystem::path shared_data(const std::filesystem::path& relative) {
  const std::filesystem::path path = shared_data_root() / relative;
  std::error_code ec;
  INFO("shared test data missing: " << path.string()
                                    << " (see ../shared/data/SOURCES.md, or configure -DSPROUT_SHARED_DATA=DIR)");
  REQUIRE(std::filesystem::exists(path, ec));
  return path;
}

}  // namespace sprout::test
