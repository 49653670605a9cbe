#include "sprout/core/safesearch.hpp"

#include <algorithm>
#include <array>

namespace sprout::core {
namespace {

template <class T, std::size_t N>
constexpr std::array<T, N> sorted(std::array<T, N> a) {
  std::sort(a.begin(), a.end());
  return a;
}

// What follows "google." (or "www.google.") in every Google Search domain: google.com and
// its country versions. Sorted at compile time for binary search.
constexpr auto kGoogleSuffixes = sorted(std::to_array<std::string_view>({
    "ac", "ad", "ae", "al", "am", "as", "at", "az", "ba", "be", "bf", "bg", "bi", "bj", "bs", "bt", "by",
    "ca", "cat", "cd", "cf", "cg", "ch", "ci", "cl", "cm", "cn", "cv", "cz", "de", "dj", "dk", "dm", "dz",
    "ee", "es", "fi", "fm", "fr", "ga", "ge", "gg", "gl", "gm", "gp", "gr", "gy", "hn", "hr", "ht", "hu",
    "ie", "im", "iq", "is", "it", "je", "jo", "kg", "ki", "kz", "la", "li", "lk", "lt", "lu", "lv", "md",
    "me", "mg", "mk", "ml", "mn", "ms", "mu", "mv", "mw", "ne", "nl", "no", "nr", "nu", "pl", "pn", "ps",
    "pt", "ro", "rs", "ru", "rw", "sc", "se", "sh", "si", "sk", "sm", "sn", "so", "sr", "st", "td", "tg",
    "tk", "tl", "tm", "tn", "to", "tt", "vg", "vu", "ws",
    "co.ao", "co.bw", "co.ck", "co.cr", "co.id", "co.il", "co.in", "co.jp", "co.ke", "co.kr", "co.ls",
    "co.ma", "co.mz", "co.nz", "co.th", "co.tz", "co.ug", "co.uk", "co.uz", "co.ve", "co.vi", "co.za",
    "co.zm", "co.zw",
    "com", "com.af", "com.ag", "com.ai", "com.ar", "com.au", "com.bd", "com.bh", "com.bn", "com.bo",
    "com.br", "com.bz", "com.co", "com.cu", "com.cy", "com.do", "com.ec", "com.eg", "com.et", "com.fj",
    "com.gh", "com.gi", "com.gt", "com.hk", "com.jm", "com.kh", "com.kw", "com.lb", "com.ly", "com.mm",
    "com.mt", "com.mx", "com.my", "com.na", "com.nf", "com.ng", "com.ni", "com.np", "com.om", "com.pa",
    "com.pe", "com.pg", "com.ph", "com.pk", "com.pr", "com.py", "com.qa", "com.sa", "com.sb", "com.sg",
    "com.sl", "com.sv", "com.tj", "com.tr", "com.tw", "com.ua", "com.uy", "com.vc", "com.vn",
}));

struct Host {
  std::string_view name;
  SafeSearchEngine engine;
  constexpr bool operator<(const Host& o) const { return name < o.name; }
};

using E = SafeSearchEngine;
// Every other engine's search hosts, exact names.
constexpr auto kHosts = sorted(std::to_array<Host>({
    {"bing.com", E::bing}, {"www.bing.com", E::bing},
    {"duckduckgo.com", E::duckduckgo}, {"www.duckduckgo.com", E::duckduckgo},
    {"start.duckduckgo.com", E::duckduckgo}, {"html.duckduckgo.com", E::duckduckgo},
    {"lite.duckduckgo.com", E::duckduckgo},
    {"youtube.com", E::youtube}, {"www.youtube.com", E::youtube}, {"m.youtube.com", E::youtube},
    {"youtubei.googleapis.com", E::youtube}, {"youtube.googleapis.com", E::youtube},
    {"youtube-nocookie.com", E::youtube}, {"www.youtube-nocookie.com", E::youtube},
    {"pixabay.com", E::pixabay}, {"www.pixabay.com", E::pixabay},
    {"ya.ru", E::yandex}, {"www.ya.ru", E::yandex},
    {"yandex.ru", E::yandex}, {"www.yandex.ru", E::yandex}, {"yandex.com", E::yandex}, {"www.yandex.com", E::yandex},
    {"yandex.ua", E::yandex}, {"www.yandex.ua", E::yandex}, {"yandex.by", E::yandex}, {"www.yandex.by", E::yandex},
    {"yandex.kz", E::yandex}, {"www.yandex.kz", E::yandex}, {"yandex.uz", E::yandex}, {"www.yandex.uz", E::yandex},
    {"yandex.com.tr", E::yandex}, {"www.yandex.com.tr", E::yandex}, {"yandex.com.am", E::yandex},
    {"www.yandex.com.am", E::yandex}, {"yandex.com.ge", E::yandex}, {"www.yandex.com.ge", E::yandex},
    {"yandex.az", E::yandex}, {"www.yandex.az", E::yandex}, {"yandex.co.il", E::yandex},
    {"www.yandex.co.il", E::yandex}, {"yandex.kg", E::yandex}, {"www.yandex.kg", E::yandex},
    {"yandex.lt", E::yandex}, {"www.yandex.lt", E::yandex}, {"yandex.lv", E::yandex}, {"www.yandex.lv", E::yandex},
    {"yandex.md", E::yandex}, {"www.yandex.md", E::yandex}, {"yandex.tj", E::yandex}, {"www.yandex.tj", E::yandex},
    {"yandex.tm", E::yandex}, {"www.yandex.tm", E::yandex}, {"yandex.ee", E::yandex}, {"www.yandex.ee", E::yandex},
    {"yandex.fr", E::yandex}, {"www.yandex.fr", E::yandex},
}));

bool is_google(std::string_view qname) {
  if (qname.starts_with("www.")) qname.remove_prefix(4);
  constexpr std::string_view kPrefix = "google.";
  if (!qname.starts_with(kPrefix)) return false;
  qname.remove_prefix(kPrefix.size());
  return std::binary_search(kGoogleSuffixes.begin(), kGoogleSuffixes.end(), qname);
}

}  // namespace

SafeSearchEngine safesearch_engine(std::string_view qname) noexcept {
  if (is_google(qname)) return E::google;
  auto it = std::lower_bound(kHosts.begin(), kHosts.end(), Host{qname, E::none});
  return it != kHosts.end() && it->name == qname ? it->engine : E::none;
}

std::optional<std::string_view> safesearch_target(std::string_view qname, const config::SafeSearch& s) noexcept {
  switch (safesearch_engine(qname)) {
    case E::google: return s.google ? std::optional(kGoogleSafe) : std::nullopt;
    case E::bing: return s.bing ? std::optional(kBingSafe) : std::nullopt;
    case E::duckduckgo: return s.duckduckgo ? std::optional(kDuckDuckGoSafe) : std::nullopt;
    case E::yandex: return s.yandex ? std::optional(kYandexSafe) : std::nullopt;
    case E::pixabay: return s.pixabay ? std::optional(kPixabaySafe) : std::nullopt;
    case E::youtube:
      if (s.youtube == config::YoutubeMode::strict) return kYoutubeStrict;
      if (s.youtube == config::YoutubeMode::moderate) return kYoutubeModerate;
      return std::nullopt;
    case E::none: break;
  }
  return std::nullopt;
}

}  // namespace sprout::core
