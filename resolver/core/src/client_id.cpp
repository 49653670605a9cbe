// Client-ID extraction: the only code that reads a client's SNI or DoH path for identity.
#include "sprout/core/client_id.hpp"

#include <algorithm>

namespace sprout::core {
namespace {

constexpr std::string_view kDohPath = "/dns-query";
constexpr std::size_t kMaxLabel = 63;

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// One non-empty DNS label: an ID never contains a dot or a slash.
bool one_label(std::string_view s) noexcept {
  return !s.empty() && s.size() <= kMaxLabel && s.find('.') == std::string_view::npos &&
         s.find('/') == std::string_view::npos;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

ClientIdResult client_id_from_sni(std::string_view sni, std::string_view server_name) noexcept {
  if (!sni.empty() && sni.back() == '.') sni.remove_suffix(1);  // an absolute name is the same name
  if (sni.empty() || server_name.empty()) return {};
  if (iequals(sni, server_name)) return {};
  // "<id>.<server_name>": exactly one label in front, which a wildcard certificate covers.
  if (sni.size() > server_name.size() + 1) {
    const std::size_t cut = sni.size() - server_name.size();
    const std::string_view id = sni.substr(0, cut - 1);
    if (sni[cut - 1] == '.' && iequals(sni.substr(cut), server_name) && one_label(id))
      return {ClientIdStatus::id, id};
  }
  return {ClientIdStatus::wrong_name, {}};
}

ClientIdResult client_id_from_path(std::string_view path) noexcept {
  if (!path.starts_with(kDohPath)) return {ClientIdStatus::wrong_name, {}};
  std::string_view rest = path.substr(kDohPath.size());
  if (rest.empty() || rest == "/") return {};
  if (rest.front() != '/') return {ClientIdStatus::wrong_name, {}};
  rest.remove_prefix(1);
  if (rest.back() == '/') rest.remove_suffix(1);
  if (!one_label(rest)) return {ClientIdStatus::wrong_name, {}};
  return {ClientIdStatus::id, rest};
}

}  // namespace sprout::core
