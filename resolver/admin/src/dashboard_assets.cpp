// Serves the embedded dashboard: ETag revalidation, precompressed gzip, the strict CSP.
#include "dashboard_assets.hpp"

#include <cctype>

namespace sprout::admin::detail {
namespace {

constexpr std::string_view kAssetPrefix = "/assets/";

const EmbeddedFile* find_file(std::string_view name) noexcept {
  for (const auto& f : dashboard_files()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// "q=0", "q=0.0", "q=0.000" refuse an encoding (RFC 9110 12.4.2); anything else accepts it.
bool refuses(std::string_view params) noexcept {
  for (std::size_t at = 0; at <= params.size();) {
    const std::size_t end = std::min(params.find(';', at), params.size());
    const std::string_view p = trim(params.substr(at, end - at));
    if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      const std::string_view q = p.substr(2);
      return !q.empty() && q.find_first_not_of("0.") == std::string_view::npos;
    }
    at = end + 1;
  }
  return false;
}

// If-None-Match: "*" or a list of (possibly weak) ETags, any of which may match.
bool etag_matches(std::string_view header, std::string_view etag) noexcept {
  for (std::size_t at = 0; at <= header.size();) {
    const std::size_t end = std::min(header.find(',', at), header.size());
    std::string_view tag = trim(header.substr(at, end - at));
    if (tag == "*") return true;
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
    at = end + 1;
  }
  return false;
}

Response base_response(http::status status, const Request& req, std::string_view type, std::string body) {
  Response res = make_response(status, req.version(), type, std::move(body));
  res.set("Content-Security-Policy", to_beast(kDashboardCsp));
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Frame-Options", "DENY");
  return res;
}

Response file_response(const Request& req, const EmbeddedFile& f) {
  const auto none_match = req.find(http::field::if_none_match);
  const bool fresh = none_match != req.end() && etag_matches(to_std(none_match->value()), f.etag);
  const auto accept = req.find(http::field::accept_encoding);
  const bool gzip = f.gzip.size > 0 && accept != req.end() && accepts_gzip(to_std(accept->value()));
  const Bytes& body = gzip ? f.gzip : f.plain;
  // A 304 has no body (Beast then drops Content-Length); HEAD is cut by the listener.
  Response res = base_response(fresh ? http::status::not_modified : http::status::ok, req, f.content_type,
                               fresh ? std::string() : std::string(body.view()));
  // Revalidated on every use: the names are not hashed, the ETag makes the check a 304.
  res.set(http::field::cache_control, "no-cache");
  res.set(http::field::etag, to_beast(f.etag));
  if (f.gzip.size > 0) res.set(http::field::vary, "Accept-Encoding");
  if (gzip && !fresh) res.set(http::field::content_encoding, "gzip");
  return res;
}

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) noexcept {
  // A gzip item decides; without one, "*" does (so "gzip;q=0, *" still refuses gzip).
  std::optional<bool> gzip, star;
  for (std::size_t at = 0; at <= accept_encoding.size();) {
    const std::size_t end = std::min(accept_encoding.find(',', at), accept_encoding.size());
    const std::string_view item = trim(accept_encoding.substr(at, end - at));
    const std::size_t semi = item.find(';');
    const std::string_view coding = trim(item.substr(0, semi));
    const bool ok = !refuses(semi == std::string_view::npos ? std::string_view{} : item.substr(semi + 1));
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) gzip = gzip.value_or(false) || ok;
    if (coding == "*") star = ok;
    at = end + 1;
  }
  return gzip ? *gzip : star.value_or(false);
}

std::optional<Response> serve_dashboard(const Request& req, std::string_view path) {
  const EmbeddedFile* file = nullptr;
  if (path == "/") {
    file = find_file("index.html");
  } else if (path.substr(0, kAssetPrefix.size()) == kAssetPrefix) {
    file = find_file(path.substr(kAssetPrefix.size()));
    if (file == nullptr) return base_response(http::status::not_found, req, "text/plain; charset=utf-8", "not found\n");
  } else {
    return std::nullopt;
  }
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    Response res = base_response(http::status::method_not_allowed, req, "text/plain; charset=utf-8", "method not allowed\n");
    res.set(http::field::allow, "GET, HEAD");
    return res;
  }
  return file_response(req, *file);
}

}  // namespace sprout::admin::detail
