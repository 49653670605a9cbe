// Escaping text for HTML and JSON output: the one implementation every renderer uses.
#pragma once

#include <string>
#include <string_view>

namespace sprout::core::text {

// & < > " ' as entities: safe in element content and in quoted attributes.
[[nodiscard]] std::string html_escape(std::string_view in);
// The inside of a JSON string: quote, backslash and control characters escaped.
[[nodiscard]] std::string json_escape(std::string_view in);

}  // namespace sprout::core::text
