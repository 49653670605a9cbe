// HTML escaping (JSON is written by nlohmann::json, see json.hpp).
#include "sprout/core/text_escape.hpp"

namespace sprout::core::text {

std::string html_escape(std::string_view in) {
  std::string out;
  out.reserve(in.size() + 16);
  for (const char c : in) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace sprout::core::text
