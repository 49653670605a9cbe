// Small, Asio-free HTTP helpers shared by the admin and block page servers (URL parsing, HTML escaping, auth).
#pragma once

#include "sprout/core/text_escape.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sprout::admin {

using QueryParams = std::map<std::string, std::string>;

// Percent-decodes; '+' becomes a space only when plus_is_space. nullopt on a bad escape or a NUL byte.
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space);

struct Target {
  std::string path;    // decoded
  QueryParams params;  // decoded; a repeated key keeps its first value
};
// Splits a request target ("/api/explain?name=a%2Eb"); nullopt when malformed (not origin-form,
// bad escapes, NUL bytes).
[[nodiscard]] std::optional<Target> parse_target(std::string_view target);

// Adds the pairs of "a=1&b=2" (query string or application/x-www-form-urlencoded body) to
// `params`; a key already there keeps its value unless `overwrite`. False on a bad escape or NUL.
[[nodiscard]] bool parse_form(std::string_view text, QueryParams& params, bool overwrite);

// `bytes` random bytes (OpenSSL RAND_bytes) as base64url; throws std::runtime_error on failure.
[[nodiscard]] std::string random_token(std::size_t bytes);

// Compares in constant time (OpenSSL CRYPTO_memcmp): never reveals where the strings differ.
[[nodiscard]] bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

// The token of "Authorization: Bearer <token>" (scheme case-insensitive); empty when absent.
[[nodiscard]] std::string_view bearer_token(std::string_view authorization) noexcept;

using core::text::html_escape;

// Keeps at most max_bytes of UTF-8 without cutting a character; appends "…" when it cut.
[[nodiscard]] std::string truncate_utf8(std::string_view in, std::size_t max_bytes);

}  // namespace sprout::admin
