// Escaping text for HTML output: the one implementation every renderer uses (JSON: json.hpp).
#pragma once

#include <string>
#include <string_view>

namespace sprout::core::text {

// & < > " ' as entities: safe in element content and in quoted attributes.
[[nodiscard]] std::string html_escape(std::string_view in);

}  // namespace sprout::core::text
