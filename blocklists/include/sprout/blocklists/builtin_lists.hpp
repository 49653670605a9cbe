// Lists compiled into the binary (source "builtin:NAME"), so the default config filters offline.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace sprout::blocklists {

inline constexpr std::string_view kBuiltinScheme = "builtin:";

std::optional<std::string_view> builtin_list(std::string_view name) noexcept;
std::vector<std::string_view> builtin_list_names();

}  // namespace sprout::blocklists
