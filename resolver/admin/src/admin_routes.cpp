// Admin routes: read-only health and metrics open on localhost; anything that changes state or
// exposes per-network detail needs the bearer token.
#include "admin_routes.hpp"

#include <optional>

#include "sprout/core/json.hpp"
#include "sprout/admin/metrics.hpp"

namespace sprout::admin {
namespace {

using detail::make_response;
using detail::Request;
using detail::Response;
namespace http = detail::http;

constexpr std::string_view kText = "text/plain; charset=utf-8";
constexpr std::string_view kJson = "application/json";
constexpr std::size_t kMaxParam = 512;

enum class Guard : std::uint8_t { open, token };

struct Route {
  std::string_view path;
  http::verb method;
  Guard guard;
};

// The whole surface of the admin server; anything else is 404.
constexpr Route kRoutes[] = {
    {"/metrics", http::verb::get, Guard::open},      {"/health", http::verb::get, Guard::open},
    {"/api/stats", http::verb::get, Guard::open},    {"/api/explain", http::verb::get, Guard::token},
    {"/api/reload", http::verb::post, Guard::token}, {"/api/report", http::verb::get, Guard::token},
    {"/api/devices", http::verb::get, Guard::token},  // names MACs: token, like explain
    {"/api/pause", http::verb::post, Guard::token},   {"/api/pauses", http::verb::get, Guard::token},
    {"/api/audit", http::verb::get, Guard::token},
};

Response text(http::status status, const Request& req, std::string body, std::string_view type = kText) {
  return make_response(status, req.version(), type, std::move(body));
}

// Handlers return plain numbers; anything outside 100-599 is a handler bug, reported as 500.
http::status to_status(unsigned code) noexcept {
  return (code >= 100 && code <= 599) ? static_cast<http::status>(code) : http::status::internal_server_error;
}

Response json_error(http::status status, const Request& req, std::string_view message) {
  return text(status, req, core::dump_json({{"error", message}}) + "\n", kJson);
}

// 403 when no token is configured (the feature is off), 401 when the caller did not prove it.
std::optional<Response> check_token(const Request& req, const std::string& token) {
  if (token.empty()) return json_error(http::status::forbidden, req, "disabled: no admin token configured");
  const auto header = req.find(http::field::authorization);
  const std::string_view given = header == req.end() ? std::string_view{} : bearer_token(detail::to_std(header->value()));
  if (!given.empty() && constant_time_equal(given, token)) return std::nullopt;
  auto res = json_error(http::status::unauthorized, req, "missing or wrong bearer token");
  res.set(http::field::www_authenticate, "Bearer realm=\"sprout\"");
  return res;
}

Response handle_explain(const Request& req, const QueryParams& params, const Handlers& h) {
  const auto get = [&](const char* key) -> std::string {
    const auto it = params.find(key);
    return it == params.end() ? std::string{} : it->second;
  };
  const std::string client = get("client");
  const std::string name = get("name");
  std::string type = get("type");
  if (type.empty()) type = "A";
  if (client.empty() || name.empty()) return json_error(http::status::bad_request, req, "client and name are required");
  const std::string device = get("device");
  if (client.size() > 64 || name.size() > 255 || type.size() > 16 || device.size() > 255) {
    return json_error(http::status::bad_request, req, "parameter too long");
  }
  const ExplainResult r = h.explain(client, name, type, device);
  return text(to_status(r.status), req, r.json, kJson);
}

Response handle_reload(const Request& req, const Handlers& h) {
  const ReloadResult r = h.reload();
  const std::string body = core::dump_json({{"ok", r.ok}, {"message", r.message}}) + "\n";
  return text(r.ok ? http::status::ok : http::status::unprocessable_entity, req, body, kJson);
}

bool handler_set(const Route& route, const Handlers& h) {
  const std::string_view p = route.path;
  if (p == "/metrics") return static_cast<bool>(h.metrics);
  if (p == "/health") return static_cast<bool>(h.ready);
  if (p == "/api/stats") return static_cast<bool>(h.stats_json);
  if (p == "/api/explain") return static_cast<bool>(h.explain);
  if (p == "/api/reload") return static_cast<bool>(h.reload);
  if (p == "/api/devices") return static_cast<bool>(h.devices_json);
  if (p == "/api/pause") return static_cast<bool>(h.pause);
  if (p == "/api/pauses") return static_cast<bool>(h.pauses_json);
  if (p == "/api/audit") return static_cast<bool>(h.audit);
  return static_cast<bool>(h.report);
}

Response dispatch_route(const Route& route, const Request& req, const QueryParams& params, const Handlers& h) {
  if (!handler_set(route, h)) return json_error(http::status::not_implemented, req, "not available");
  const std::string_view p = route.path;
  if (p == "/metrics") return text(http::status::ok, req, h.metrics(), kMetricsContentType);
  if (p == "/health") {
    std::string notes = h.health_notes ? h.health_notes() : std::string();
    if (!h.ready()) return text(http::status::service_unavailable, req, "starting\n" + notes);
    if (std::string problems = h.problems ? h.problems() : ""; !problems.empty()) {
      return text(http::status::service_unavailable, req, std::move(problems) + notes);
    }
    return text(http::status::ok, req, "ok\n" + notes);
  }
  if (p == "/api/stats") return text(http::status::ok, req, h.stats_json(), kJson);
  if (p == "/api/explain") return handle_explain(req, params, h);
  if (p == "/api/reload") return handle_reload(req, h);
  if (p == "/api/devices") return text(http::status::ok, req, h.devices_json(), kJson);
  if (p == "/api/pauses") return text(http::status::ok, req, h.pauses_json(), kJson);
  if (p == "/api/pause" || p == "/api/audit") {
    ReportResult r = p == "/api/pause" ? h.pause(params) : h.audit(params);
    return text(to_status(r.status), req, std::move(r.body), kJson);
  }
  ReportResult r = h.report(params);
  return text(to_status(r.status), req, std::move(r.body),
              r.content_type.empty() ? std::string_view("application/octet-stream") : std::string_view(r.content_type));
}

}  // namespace

Response detail::route_request(const Request& req, const AdminOptions& options, const Handlers& h) {
  const auto target = parse_target(detail::to_std(req.target()));
  if (!target) return text(http::status::bad_request, req, "bad request target\n");
  for (const auto& [key, value] : target->params) {
    if (key.size() > kMaxParam || value.size() > kMaxParam) return text(http::status::bad_request, req, "parameter too long\n");
  }
  const Route* route = nullptr;
  for (const auto& r : kRoutes) {
    if (r.path == target->path) route = &r;
  }
  if (route == nullptr) return text(http::status::not_found, req, "not found\n");
  const bool head_ok = route->method == http::verb::get && req.method() == http::verb::head;
  if (req.method() != route->method && !head_ok) {
    auto res = text(http::status::method_not_allowed, req, "method not allowed\n");
    res.set(http::field::allow, route->method == http::verb::get ? "GET, HEAD" : "POST");
    return res;
  }
  if (route->guard == Guard::token) {
    if (auto denied = check_token(req, h.token ? h.token() : options.token)) return std::move(*denied);
  }
  return dispatch_route(*route, req, target->params, h);
}

}  // namespace sprout::admin
