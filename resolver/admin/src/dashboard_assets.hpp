// Internal: the dashboard's pages and assets embedded in the binary, and how the admin server serves them.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "http_message.hpp"

namespace sprout::admin::detail {

struct Bytes {
  const unsigned char* data;
  std::size_t size;
  [[nodiscard]] std::string_view view() const noexcept { return {reinterpret_cast<const char*>(data), size}; }
};

// One file of resolver/admin/dashboard, as embed.cmake wrote it into the generated source.
struct EmbeddedFile {
  std::string_view name;          // path under dashboard/, e.g. "app.js", "i18n/vi.json"
  std::string_view content_type;
  std::string_view etag;          // quoted, from the content's SHA-256
  Bytes plain;
  Bytes gzip;                     // empty when gzip would not be smaller
};

[[nodiscard]] std::span<const EmbeddedFile> dashboard_files() noexcept;  // generated

// The Content-Security-Policy of every dashboard response: only our own files, nothing inline.
inline constexpr std::string_view kDashboardCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

// `GET /` (index.html) and `GET /assets/<name>`; nullopt for any other path. Open on purpose:
// the files hold no data, everything the page shows comes from the authenticated JSON API.
[[nodiscard]] std::optional<Response> serve_dashboard(const Request& req, std::string_view path);

// Whether an Accept-Encoding header value accepts gzip (a "gzip" or "*" token without q=0).
[[nodiscard]] bool accepts_gzip(std::string_view accept_encoding) noexcept;

}  // namespace sprout::admin::detail
