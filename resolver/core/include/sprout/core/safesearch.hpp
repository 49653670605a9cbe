// SafeSearch: the forced-safe host a search engine or YouTube query name is answered with.
#pragma once

#include <optional>
#include <string_view>

#include "sprout/config/config.hpp"

namespace sprout::core {

// Which engine a name belongs to, whether or not the profile enforces it.
enum class SafeSearchEngine : std::uint8_t { none, google, bing, duckduckgo, youtube, yandex, pixabay };

// Exact-name lookup (no subdomain walk), no allocation. `qname` must be canonical: lowercase,
// no trailing dot. Returns e.g. "forcesafesearch.google.com" for "www.google.com.vn" when
// `s.google` is set; nullopt when the name is not covered or its engine is off.
[[nodiscard]] std::optional<std::string_view> safesearch_target(std::string_view qname,
                                                                const config::SafeSearch& s) noexcept;

[[nodiscard]] SafeSearchEngine safesearch_engine(std::string_view qname) noexcept;

// The forced-safe hosts themselves, for callers that resolve them.
inline constexpr std::string_view kGoogleSafe = "forcesafesearch.google.com";
inline constexpr std::string_view kBingSafe = "strict.bing.com";
inline constexpr std::string_view kDuckDuckGoSafe = "safe.duckduckgo.com";
inline constexpr std::string_view kYoutubeStrict = "restrict.youtube.com";
inline constexpr std::string_view kYoutubeModerate = "restrictmoderate.youtube.com";
inline constexpr std::string_view kYandexSafe = "familysearch.yandex.ru";
inline constexpr std::string_view kPixabaySafe = "safesearch.pixabay.com";

}  // namespace sprout::core
