// X-Forwarded-For, read right to left (RFC 7239 section 5.2 for the order; the header is the de
// facto form every reverse proxy writes).
#include "sprout/core/forwarded_for.hpp"

#include <algorithm>
#include <optional>

namespace sprout::core {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "192.0.2.7", "192.0.2.7:5555", "2001:db8::7", "[2001:db8::7]", "[2001:db8::7]:5555".
std::optional<config::IpAddress> entry_address(std::string_view e) {
  if (!e.empty() && e.front() == '[') {
    const auto close = e.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return config::IpAddress::parse(e.substr(1, close - 1));
  }
  if (std::count(e.begin(), e.end(), ':') == 1) e = e.substr(0, e.find(':'));  // IPv4 with a port
  return config::IpAddress::parse(e);
}

bool is_trusted(const config::IpAddress& a, std::span<const config::IpPrefix> trusted) {
  return std::any_of(trusted.begin(), trusted.end(), [&](const config::IpPrefix& p) { return p.contains(a); });
}

}  // namespace

ForwardedClient forwarded_client(const config::IpAddress& peer, std::string_view header,
                                 std::span<const config::IpPrefix> trusted) {
  if (trim(header).empty()) return {ForwardedStatus::peer, peer};
  if (!is_trusted(peer, trusted)) return {ForwardedStatus::untrusted, peer};
  std::optional<config::IpAddress> last;
  while (!header.empty()) {
    const auto comma = header.rfind(',');
    const std::string_view entry = trim(comma == std::string_view::npos ? header : header.substr(comma + 1));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(0, comma);
    if (entry.empty()) continue;  // "a, , b": an empty element, as lists in HTTP allow
    last = entry_address(entry);
    if (!last) return {ForwardedStatus::malformed, peer};
    if (!is_trusted(*last, trusted)) return {ForwardedStatus::forwarded, *last};
  }
  return last ? ForwardedClient{ForwardedStatus::forwarded, *last} : ForwardedClient{ForwardedStatus::peer, peer};
}

}  // namespace sprout::core
