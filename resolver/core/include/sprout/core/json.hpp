// JSON output: everything the resolver writes as JSON is built as a Json value and written by dump_json.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace sprout::core {

// Keys stay in the order they were added: scripts and golden files read them in that order.
using Json = nlohmann::ordered_json;

// Text from lists, packets and requests may be invalid UTF-8; such bytes become U+FFFD here,
// so the output is always valid JSON (the library's default would throw). Valid UTF-8 is
// written as it is, not as \u escapes. indent < 0: one line.
[[nodiscard]] inline std::string dump_json(const Json& value, int indent = -1) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sprout::core
