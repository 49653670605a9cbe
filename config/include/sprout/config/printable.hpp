// Making untrusted text safe for a terminal or a log line: the one implementation.
#pragma once

#include <string>
#include <string_view>

namespace sprout::config {

// `in` with every byte that a terminal could act on written as \xNN: C0 controls (ESC,
// NUL, CR, LF...), DEL, UTF-8-encoded C1 controls and bytes that are not valid UTF-8.
// Valid UTF-8 text (Vietnamese names) passes unchanged; a backslash becomes \\ so the
// escaped form cannot be mistaken for the original.
[[nodiscard]] std::string printable(std::string_view in);

}  // namespace sprout::config
