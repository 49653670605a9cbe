// list_file_stem: one mapping from list names to state file names, for the config check that
// refuses two lists sharing a file and for the list loader that writes them.
#include "sprout/config/list_file_stem.hpp"

namespace sprout::config {

std::string list_file_stem(std::string_view name) {
  std::string out;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    out += ok ? c : '_';
  }
  if (out.empty() || out[0] == '.') out.insert(0, "list");
  return out;
}

}  // namespace sprout::config
