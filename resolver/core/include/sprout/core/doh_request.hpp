// DoH (RFC 8484) requests as either HTTP version hands them over: which DNS message they carry,
// which client ID their path names, or which HTTP status refuses them. Asio-free and
// allocation-free (GET decodes into the caller's buffer), so it can be fuzzed.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "sprout/core/client_id.hpp"

namespace sprout::core {

inline constexpr std::size_t kMaxDohMessage = 65535;  // a DNS message's largest size
inline constexpr std::string_view kDnsMessageType = "application/dns-message";

struct DohRequest {
  std::string_view method;        // "GET", "POST", ...
  std::string_view target;        // path and query: "/dns-query/phone-an?dns=AAAB..."
  std::string_view content_type;  // POST only
  std::span<const std::uint8_t> body;
  bool body_too_large = false;    // the transport stopped reading past kMaxDohMessage
};

struct DohParse {
  int status = 200;                      // 200: `message` is the query; else the answer's status
  std::string_view reason;               // why not, for the response body
  ClientIdResult id;                     // from the path
  std::span<const std::uint8_t> message;
};

// `scratch` holds a GET's decoded message (kMaxDohMessage bytes suffice).
[[nodiscard]] DohParse parse_doh_request(const DohRequest& r, std::span<std::uint8_t> scratch) noexcept;

// The Cache-Control max-age of an answer (RFC 8484 5.1): its smallest record TTL (OPT aside),
// 0 when it has none or cannot be read.
[[nodiscard]] std::uint32_t doh_max_age(std::span<const std::uint8_t> answer) noexcept;

}  // namespace sprout::core
