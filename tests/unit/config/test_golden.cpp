// Golden error messages: every bad/NAME.yaml must produce exactly the lines in bad/NAME.expected.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sprout/config/loader.hpp"

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

std::vector<fs::path> bad_cases() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(SPROUT_CONFIG_BAD_DIR))
    if (e.path().extension() == ".yaml") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("bad configs produce the golden error lines") {
  auto cases = bad_cases();
  REQUIRE(cases.size() >= 10);
  for (const auto& yaml : cases) {
    fs::path expected_file = fs::path(yaml).replace_extension(".expected");
    INFO("case " << yaml.filename().string());
    REQUIRE(fs::exists(expected_file));
    auto result = sprout::config::load_string(slurp(yaml), yaml.filename().string());
    std::vector<std::string> got;
    for (const auto& e : result.errors) got.push_back(e.to_string());
    CHECK_FALSE(result.config);
    CHECK(got == lines_of(slurp(expected_file)));
  }
}
