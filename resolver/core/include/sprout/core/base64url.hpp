// Base64url (RFC 4648 section 5), the one codec: DoH GET messages, cookies, tokens, stored
// salts and hashes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sprout::core {

// Without padding (RFC 8484 4.1 and what cookies and tokens carry).
[[nodiscard]] std::string base64url_encode(std::span<const std::uint8_t> bytes);
// Padding is accepted. Returns the decoded size, or nullopt when `in` is not base64url or does
// not fit `out`. Allocation-free: the DoH path decodes into the worker's scratch buffer.
[[nodiscard]] std::optional<std::size_t> base64url_decode(std::string_view in, std::span<std::uint8_t> out) noexcept;

}  // namespace sprout::core
