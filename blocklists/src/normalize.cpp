// Domain name normalization (see normalize.hpp).
#include "sprout/blocklists/normalize.hpp"

#include <idn2.h>

#include <cstdlib>

namespace sprout::blocklists {
namespace {

bool is_ldh(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool is_ipv4(std::string_view s) noexcept {
  int parts = 0;
  std::size_t i = 0;
  while (i <= s.size()) {
    std::size_t digits = 0;
    int value = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      value = value * 10 + (s[i] - '0');
      ++digits;
      ++i;
      if (digits > 3) return false;
    }
    if (digits == 0 || value > 255) return false;
    ++parts;
    if (i == s.size()) break;
    if (s[i] != '.') return false;
    ++i;
  }
  return parts == 4;
}

bool is_ipv6(std::string_view s) noexcept {
  if (s.find(':') == std::string_view::npos) return false;
  for (char c : s) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex && c != ':' && c != '.') return false;
  }
  return true;
}

// Checks label syntax and lengths of an already lowercased ASCII name.
bool valid_ldh_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    if (!is_ldh(c) || ++label > kMaxLabelLength) return false;
  }
  return label != 0;
}

bool to_punycode(const std::string& utf8, std::string& out) {
  char* ascii = nullptr;
  int rc = idn2_to_ascii_8z(utf8.c_str(), &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  if (rc != IDN2_OK) {
    rc = idn2_to_ascii_8z(utf8.c_str(), &ascii, IDN2_TRANSITIONAL | IDN2_NFC_INPUT);
  }
  if (rc != IDN2_OK || ascii == nullptr) return false;
  out.assign(ascii);
  idn2_free(ascii);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return true;
}

}  // namespace

bool looks_like_ip_address(std::string_view text) noexcept {
  return is_ipv4(text) || is_ipv6(text);
}

bool is_normal_domain(std::string_view name) noexcept { return valid_ldh_name(name) && !is_ipv4(name); }

NameStatus normalize_domain_into(std::string_view in, std::string& out) {
  if (!in.empty() && in.back() == '.') in.remove_suffix(1);
  if (in.empty() || in.size() > 1024) return NameStatus::invalid;
  if (looks_like_ip_address(in)) return NameStatus::ip_address;
  out.assign(in);
  bool non_ascii = false;
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (static_cast<unsigned char>(c) >= 0x80) non_ascii = true;
  }
  if (non_ascii) {
    // libidn2 rejects empty labels itself; a NUL inside would truncate, so refuse it.
    if (out.find('\0') != std::string::npos) return NameStatus::invalid;
    std::string utf8 = out;
    if (!to_punycode(utf8, out)) return NameStatus::invalid;
  }
  return valid_ldh_name(out) ? NameStatus::ok : NameStatus::invalid;
}

std::optional<std::string> normalize_domain(std::string_view in) {
  std::string out;
  if (normalize_domain_into(in, out) != NameStatus::ok) return std::nullopt;
  return out;
}

}  // namespace sprout::blocklists
