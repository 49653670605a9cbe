// Internal: the response shapes every admin route file shares (JSON bodies, errors, status codes).
#pragma once

#include <string>
#include <string_view>

#include "http_message.hpp"
#include "sprout/admin/admin_api.hpp"
#include "sprout/core/json.hpp"

namespace sprout::admin::detail {

inline constexpr std::string_view kText = "text/plain; charset=utf-8";
inline constexpr std::string_view kJson = "application/json";

inline Response text(http::status status, const Request& req, std::string body, std::string_view type = kText) {
  return make_response(status, req.version(), type, std::move(body));
}

// Handlers return plain numbers; anything outside 100-599 is a handler bug, reported as 500.
inline http::status to_status(unsigned code) noexcept {
  return (code >= 100 && code <= 599) ? static_cast<http::status>(code) : http::status::internal_server_error;
}

inline Response json_response(http::status status, const Request& req, const core::Json& body) {
  return text(status, req, core::dump_json(body) + "\n", kJson);
}

inline Response json_error(http::status status, const Request& req, std::string_view message) {
  return json_response(status, req, {{"error", message}});
}

inline std::string param(const QueryParams& p, const char* key) {
  const auto it = p.find(key);
  return it == p.end() ? std::string() : it->second;
}

}  // namespace sprout::admin::detail
