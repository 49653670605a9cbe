// SharedLibrary and load_library: run-time loading of libraries only some configurations use.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "sprout/blocklists/shared_library.hpp"

namespace bl = sprout::blocklists;

namespace {

bool mapped(const std::string& name) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find(name) != std::string::npos) return true;
  }
  return false;
}

// libz is linked into this test already: loading it again never unmaps it.
struct Zlib {
  bl::SharedLibrary lib{"libz.so.1"};
  const char* (*version)() = nullptr;
  bool resolved = lib.resolve(version, "zlibVersion");
  [[nodiscard]] bool ready() const noexcept { return resolved; }
  [[nodiscard]] std::string error() const { return lib.error(); }
};

// libcurl is not linked into the test (nor into sprout_blocklists): mapped only while held.
// curl_easy_strerror, not curl_version: curl_version asks every library libcurl uses for its
// version, and some keep what that allocates until they are unloaded (LeakSanitizer then
// reports ~6 KB per load; sproutdns never calls it).
struct CurlText {
  bl::SharedLibrary lib{"libcurl.so.4"};
  const char* (*strerror)(int) = nullptr;
  bool resolved = lib.resolve(strerror, "curl_easy_strerror");
  [[nodiscard]] bool ready() const noexcept { return resolved; }
  [[nodiscard]] std::string error() const { return lib.error(); }
};

struct Missing {
  bl::SharedLibrary lib{"libsprout-no-such-library.so.9"};
  [[nodiscard]] bool ready() const noexcept { return lib.loaded(); }
  [[nodiscard]] std::string error() const { return lib.error(); }
};

}  // namespace

TEST_CASE("a library that is not installed is an error naming it, not a crash", "[shared_library]") {
  bl::SharedLibrary lib("libsprout-no-such-library.so.9");
  CHECK_FALSE(lib.loaded());
  CHECK(lib.error().find("cannot load libsprout-no-such-library.so.9") != std::string::npos);
  void (*fn)() = nullptr;
  CHECK_FALSE(lib.resolve(fn, "anything"));
  std::string error;
  CHECK(bl::load_library<Missing>(error) == nullptr);
  CHECK(error.find("libsprout-no-such-library.so.9") != std::string::npos);
}

TEST_CASE("a missing function is an error naming it", "[shared_library]") {
  bl::SharedLibrary lib("libz.so.1");
  REQUIRE(lib.loaded());
  void (*fn)() = nullptr;
  CHECK_FALSE(lib.resolve(fn, "no_such_function_in_zlib"));
  CHECK(fn == nullptr);
  CHECK(lib.error().find("no_such_function_in_zlib") != std::string::npos);
  const char* (*version)() = nullptr;
  REQUIRE(lib.resolve(version, "zlibVersion"));
  CHECK(std::string(version()).starts_with("1."));
}

TEST_CASE("load_library shares one instance while held and unloads it after the last user", "[shared_library]") {
  std::string error;
  auto a = bl::load_library<Zlib>(error);
  REQUIRE(a != nullptr);
  auto b = bl::load_library<Zlib>(error);
  CHECK(a == b);
  CHECK(std::string(a->version()).starts_with("1."));

  REQUIRE_FALSE(mapped("libcurl.so"));
  auto curl = bl::load_library<CurlText>(error);
  INFO(error);
  REQUIRE(curl != nullptr);
  CHECK(std::string(curl->strerror(0)) == "No error");
  CHECK(mapped("libcurl.so"));
  curl.reset();
  CHECK_FALSE(mapped("libcurl.so"));  // unloaded with its last user
  curl = bl::load_library<CurlText>(error);  // and loaded again for the next one
  REQUIRE(curl != nullptr);
  CHECK(mapped("libcurl.so"));
}
