// Helpers of the ListCatalog tests: temporary list files with controlled mtimes, configs,
// and the comparison of two lookups.
#pragma once

#include "sprout/blocklists/domain_index.hpp"
#include "sprout/blocklists/list_catalog.hpp"
#include "sprout/config/config.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>

namespace catalog_test {

namespace bl = sprout::blocklists;
namespace cfg = sprout::config;

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/sprout_bl_catalogXXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string file(const std::string& name) const { return path + "/" + name; }
};

// Lists written just now are "racy" (their next change may keep the same mtime), so tests
// of reuse date them back, as lists that were not edited in the last seconds.
inline void set_mtime_ago(const std::string& path, long seconds) {
  const timespec times[2] = {{0, UTIME_OMIT}, {std::time(nullptr) - seconds, 0}};
  REQUIRE(utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

inline void write_file(const std::string& path, const std::string& text, long seconds_ago = 3600) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }
  if (seconds_ago > 0) set_mtime_ago(path, seconds_ago);
}

inline cfg::Config base_config(const TempDir& dir) {
  cfg::Config c;
  c.state_dir = dir.file("state");
  c.categories = {{"adult", ""}, {"games", ""}, {"trusted", ""}, {"malware", ""}};
  return c;
}

inline cfg::List make_list(const std::string& name, const std::string& category, const std::string& source,
                           bool allow = false, cfg::ListFormat format = cfg::ListFormat::auto_detect) {
  cfg::List l;
  l.name = name;
  l.category = category;
  l.source = source;
  l.allow = allow;
  l.format = format;
  return l;
}

inline bl::LoadOptions opts(std::uint64_t seed = 99) {
  bl::LoadOptions o;
  o.fetch = false;
  o.connect_timeout = std::chrono::seconds(5);
  o.transfer_timeout = std::chrono::seconds(10);
  o.seed = seed;
  return o;
}

constexpr bl::CategorySet kAdult = 1, kGames = 2, kTrusted = 4, kMalware = 8, kAll = ~bl::CategorySet{0};

// True when both lookups say the same; INFO names the query on failure.
inline bool same_match(const bl::Match& a, const bl::Match& b) {
  return a.verdict == b.verdict && a.nodata == b.nodata && a.categories == b.categories && a.list == b.list &&
         a.suffix == b.suffix;
}

}  // namespace catalog_test
