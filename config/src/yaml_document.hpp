// Internal: the one YAML document of a config text, read without yaml-cpp 0.7's LoadAll.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

namespace sprout::config::detail {

struct DocumentRead {
  YAML::Node root;                          // the first document (null when the text has none)
  std::optional<YAML::Mark> second;         // where a second document's content starts
  std::optional<YAML::Mark> stuck;          // where yaml-cpp stopped making progress
  std::string stuck_text;                   // the byte found there, printable
};

// Throws YAML::Exception on a syntax error, like YAML::Load.
DocumentRead read_document(std::string_view yaml);

}  // namespace sprout::config::detail
