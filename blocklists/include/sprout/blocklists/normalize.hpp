// Domain name normalization: lowercase, trailing dot, IDN to punycode, LDH validation.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sprout::blocklists {

inline constexpr std::size_t kMaxNameLength = 253;
inline constexpr std::size_t kMaxLabelLength = 63;

enum class NameStatus { ok, invalid, ip_address };

// Normalizes `in` into `out` (reused buffer, so list parsing does not allocate per line).
// Rules: lowercase; one trailing dot stripped; UTF-8 names converted to punycode with
// libidn2 (non-transitional, falling back to transitional); labels of letters, digits,
// '-' and '_' (underscores appear in real lists: `_dmarc`), 1-63 bytes, total <= 253.
// A bare IPv4 / IPv6 address is reported as ip_address (not a domain).
NameStatus normalize_domain_into(std::string_view in, std::string& out);

// Convenience form: nullopt for anything that is not a valid domain name.
std::optional<std::string> normalize_domain(std::string_view in);

// True when `name` is already what normalize_domain_into makes of it (lowercase LDH labels,
// no trailing dot, not an address): a name stored normalized is checked, not copied again.
[[nodiscard]] bool is_normal_domain(std::string_view name) noexcept;

// True if `text` is a dotted-quad IPv4 address or contains ':' and only hex digits,
// ':' and '.' (an IPv6 address as found in hosts files).
bool looks_like_ip_address(std::string_view text) noexcept;

}  // namespace sprout::blocklists
