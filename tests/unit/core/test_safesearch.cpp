// The SafeSearch table: which names are rewritten to which forced-safe host.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "sprout/core/safesearch.hpp"

using namespace sprout::core;
using sprout::config::SafeSearch;
using sprout::config::YoutubeMode;

namespace {

SafeSearch all_on(YoutubeMode yt = YoutubeMode::strict) {
  SafeSearch s;
  s.google = s.bing = s.duckduckgo = s.yandex = s.pixabay = true;
  s.youtube = yt;
  return s;
}

std::optional<std::string> target(std::string_view name, const SafeSearch& s) {
  auto t = safesearch_target(name, s);
  return t ? std::optional<std::string>(*t) : std::nullopt;
}

const std::string kData = std::string(SPROUT_SHARED_DATA) + "/safesearch/cp7crash";

}  // namespace

TEST_CASE("each engine maps to its forced-safe host") {
  auto s = all_on();
  CHECK(target("google.com", s) == "forcesafesearch.google.com");
  CHECK(target("www.google.com", s) == "forcesafesearch.google.com");
  CHECK(target("www.google.com.vn", s) == "forcesafesearch.google.com");
  CHECK(target("google.co.uk", s) == "forcesafesearch.google.com");
  CHECK(target("google.de", s) == "forcesafesearch.google.com");
  CHECK(target("bing.com", s) == "strict.bing.com");
  CHECK(target("www.bing.com", s) == "strict.bing.com");
  for (auto n : {"duckduckgo.com", "www.duckduckgo.com", "start.duckduckgo.com", "html.duckduckgo.com",
                 "lite.duckduckgo.com"})
    CHECK(target(n, s) == "safe.duckduckgo.com");
  for (auto n : {"www.youtube.com", "m.youtube.com", "youtubei.googleapis.com", "youtube.googleapis.com",
                 "www.youtube-nocookie.com"}) {
    CHECK(target(n, s) == "restrict.youtube.com");
    CHECK(target(n, all_on(YoutubeMode::moderate)) == "restrictmoderate.youtube.com");
    CHECK_FALSE(target(n, all_on(YoutubeMode::off)));
  }
  CHECK(target("yandex.ru", s) == "familysearch.yandex.ru");
  CHECK(target("www.yandex.com", s) == "familysearch.yandex.ru");
  CHECK(target("yandex.kz", s) == "familysearch.yandex.ru");
  CHECK(target("pixabay.com", s) == "safesearch.pixabay.com");
  CHECK(target("www.pixabay.com", s) == "safesearch.pixabay.com");
}

TEST_CASE("an engine that is off is left alone") {
  SafeSearch only_bing;
  only_bing.bing = true;
  CHECK_FALSE(target("www.google.com", only_bing));
  CHECK_FALSE(target("duckduckgo.com", only_bing));
  CHECK_FALSE(target("www.youtube.com", only_bing));
  CHECK(target("bing.com", only_bing) == "strict.bing.com");
  CHECK_FALSE(target("www.google.com", SafeSearch{}));
}

TEST_CASE("only exact names match") {
  auto s = all_on();
  for (auto n : {"mail.google.com", "maps.google.com", "forcesafesearch.google.com", "google.example",
                 "notgoogle.com", "google.com.evil", "www.google", "google", "xgoogle.com", "www.www.google.com",
                 "strict.bing.com", "safe.duckduckgo.com", "restrict.youtube.com", "www.google.com.", "WWW.GOOGLE.COM",
                 "images.bing.com", "yandex.example", "", "google.", "www."}) {
    INFO(n);
    CHECK_FALSE(target(n, s));
  }
}

TEST_CASE("the Google table covers a published list of Google search domains") {
  std::ifstream in(kData + "/google-domains.txt");
  if (!in) {
    WARN("no " << kData << "/google-domains.txt: skipped");
    return;
  }
  auto s = all_on();
  int checked = 0;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    INFO(line);
    CHECK(target(line, s) == "forcesafesearch.google.com");
    CHECK(target("www." + line, s) == "forcesafesearch.google.com");
    ++checked;
  }
  CHECK(checked > 150);
}

TEST_CASE("every name a published unbound SafeSearch config rewrites is covered") {
  std::ifstream in(kData + "/safe-search.unbound.conf");
  if (!in) {
    WARN("no " << kData << "/safe-search.unbound.conf: skipped");
    return;
  }
  auto s = all_on();
  int checked = 0;
  for (std::string line; std::getline(in, line);) {
    // local-data: "www.google.ad CNAME forcesafesearch.google.com"
    auto quote = line.find("local-data: \"");
    if (quote == std::string::npos) continue;
    auto name_start = quote + 13;
    auto name = line.substr(name_start, line.find(' ', name_start) - name_start);
    INFO(line);
    CHECK(target(name, s));
    ++checked;
  }
  CHECK(checked > 100);
}
