// Optional: the block page rendered by headless Chromium (skipped with a warning when it is absent).
// SPROUT_BLOCKPAGE_SCREENSHOT=/path/to.png also saves a screenshot for the docs.
#include <catch2/catch.hpp>

#include "http_test_client.hpp"
#include "sprout/admin/block_page.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

using namespace sprout::admin;
using namespace sprout::admin::test;

namespace {

constexpr const char* kChromium = "/usr/bin/chromium";

std::string chromium_command(const std::filesystem::path& profile, const std::string& mode, std::uint16_t port) {
  return std::string(kChromium) +
         " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking"
         " --disable-component-update --disable-sync --user-data-dir=" + profile.string() +
         " --host-resolver-rules=\"MAP casino.example 127.0.0.1\" --window-size=820,580 " + mode +
         " http://casino.example:" + std::to_string(port) + "/play 2>/dev/null";
}

std::string run(const std::string& command) {
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buf[4096];
    while (const auto n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
    ::pclose(pipe);
  }
  return out;
}

std::filesystem::path fresh_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "sprout-chromium-XXXXXX").string();
  return ::mkdtemp(pattern.data()) ? std::filesystem::path(pattern) : std::filesystem::path{};
}

}  // namespace

TEST_CASE("block page in headless Chromium", "[blockpage][chromium]") {
  INFO(kChromium << " not installed (packaging/install-deps.sh installs chromium)");
  REQUIRE(std::filesystem::exists(kChromium));
  IoThread io;
  auto server = std::make_unique<BlockPageServer>(io.ioc(), BlockPageOptions{}, [](std::string_view, std::string_view) {
    return BlockInfo{"gambling", "Lớp 6A", "kids"};
  });
  const auto profile = fresh_dir();
  REQUIRE(!profile.empty());
  const std::string dom = run(chromium_command(profile, "--dump-dom", server->port()));
  CHECK(dom.find("Trang web này đã bị chặn") != std::string::npos);
  CHECK(dom.find("This site has been blocked") != std::string::npos);
  CHECK(dom.find("casino.example") != std::string::npos);
  CHECK(dom.find("Cờ bạc") != std::string::npos);
  if (const char* shot = std::getenv("SPROUT_BLOCKPAGE_SCREENSHOT")) {
    run("cd " + profile.string() + " && " + chromium_command(profile, "--screenshot", server->port()));
    std::filesystem::copy_file(profile / "screenshot.png", shot, std::filesystem::copy_options::overwrite_existing);
  }
  std::error_code ec;
  std::filesystem::remove_all(profile, ec);
  server.reset();
  io.stop();
}
