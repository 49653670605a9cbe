// The blocked-services catalogue shipped with Sprout: one domain list per app children use
// (blocklists/services/NAME.txt, compiled in), switched per profile with `services: [NAME]`.
#pragma once

#include <span>
#include <string_view>

namespace sprout::config {

struct ServiceInfo {
  std::string_view name;  // "tiktok"
  std::string_view text;  // the file: "# title: ...", "# source: ...", then one domain per line
  [[nodiscard]] std::string_view title() const noexcept;   // "TikTok" (the name if the file has none)
  [[nodiscard]] std::string_view source() const noexcept;  // where the domains come from
};

// Sorted by name.
std::span<const ServiceInfo> builtin_services() noexcept;
const ServiceInfo* builtin_service(std::string_view name) noexcept;

// A service's category and list names: the category is the service's own name (so counters,
// metrics and reports show it like a category); its list is "service-NAME".
inline constexpr std::string_view kServiceListPrefix = "service-";

}  // namespace sprout::config
