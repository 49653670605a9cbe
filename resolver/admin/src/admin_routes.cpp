// Admin routes: health and metrics open on localhost; everything else needs a session (the
// dashboard) or the bearer token (scripts), and changes need an admin (see auth.hpp).
#include "admin_routes.hpp"

#include "dashboard_assets.hpp"
#include "route_util.hpp"
#include "sprout/admin/metrics.hpp"

namespace sprout::admin {
namespace {

using detail::json_error;
using detail::kJson;
using detail::Request;
using detail::Response;
using detail::text;
namespace http = detail::http;

constexpr std::size_t kMaxParam = 512;

// open: anyone who reaches the port; auth: the sign-in routes, which check for themselves;
// read: a session of any role, or the token; change: an admin session with CSRF, or the token.
enum class Guard : std::uint8_t { open, auth, read, change };
using Handler = std::function<ReportResult(const QueryParams&)> Handlers::*;

struct Route {
  std::string_view path;
  http::verb method;
  Guard guard;
  Handler handler = nullptr;  // null: answered below by path
};

// The whole surface of the admin server; anything else is 404.
const Route kRoutes[] = {
    {"/metrics", http::verb::get, Guard::open},
    {"/health", http::verb::get, Guard::open},
    {"/api/stats", http::verb::get, Guard::open},
    {"/api/setup", http::verb::get, Guard::auth},
    {"/api/setup", http::verb::post, Guard::auth},
    {"/api/login", http::verb::post, Guard::auth},
    {"/api/logout", http::verb::post, Guard::auth},
    {"/api/session", http::verb::get, Guard::auth},
    {"/api/explain", http::verb::get, Guard::read, &Handlers::explain},
    {"/api/report", http::verb::get, Guard::read, &Handlers::report},
    {"/api/devices", http::verb::get, Guard::read},  // names MACs: never open
    {"/api/pauses", http::verb::get, Guard::read},
    {"/api/audit", http::verb::get, Guard::read, &Handlers::audit},
    {"/api/overview", http::verb::get, Guard::read, &Handlers::overview},
    {"/api/lists", http::verb::get, Guard::read, &Handlers::lists},
    {"/api/networks", http::verb::get, Guard::read, &Handlers::networks},
    {"/api/profiles", http::verb::get, Guard::read, &Handlers::profiles},
    {"/api/overrides", http::verb::get, Guard::read, &Handlers::overrides},
    {"/api/reload", http::verb::post, Guard::change},
    {"/api/pause", http::verb::post, Guard::change, &Handlers::pause},
    {"/api/override", http::verb::post, Guard::change, &Handlers::change_override},
    {"/api/refresh", http::verb::post, Guard::change, &Handlers::refresh},
    {"/api/undo", http::verb::post, Guard::change, &Handlers::undo},
};

// 403 when nobody could ever sign in (no token, no account: the feature is off), else 401.
Response unauthenticated(const Request& req, const std::string& token, detail::AuthState& auth) {
  auth.refresh_accounts();
  if (token.empty() && auth.accounts.empty()) {
    return json_error(http::status::forbidden, req, "disabled: no admin token or account configured");
  }
  const bool tried_token = req.find(http::field::authorization) != req.end();
  auto res = json_error(http::status::unauthorized, req, tried_token ? "missing or wrong bearer token" : "sign in, or send the bearer token");
  res.set(http::field::www_authenticate, "Bearer realm=\"sprout\"");
  return res;
}

Response handle_explain(const Request& req, const QueryParams& params, const Handlers& h) {
  const std::string name = detail::param(params, "name");
  const bool by_client = params.contains("client"), by_network = params.contains("network");
  if (name.empty() || by_client == by_network) return json_error(http::status::bad_request, req, "give name and one of client or network");
  if (name.size() > 255 || detail::param(params, "type").size() > 16 || detail::param(params, "client").size() > 64 ||
      detail::param(params, "network").size() > 255 || detail::param(params, "device").size() > 255) {
    return json_error(http::status::bad_request, req, "parameter too long");
  }
  QueryParams p = params;
  if (detail::param(p, "type").empty()) p["type"] = "A";
  ReportResult r = h.explain(p);
  return text(detail::to_status(r.status), req, std::move(r.body), kJson);
}

Response handle_reload(const Request& req, const Handlers& h) {
  const ReloadResult r = h.reload();
  return detail::json_response(r.ok ? http::status::ok : http::status::unprocessable_entity, req,
                               {{"ok", r.ok}, {"message", r.message}});
}

Response handle_health(const Request& req, const Handlers& h) {
  std::string notes = h.health_notes ? h.health_notes() : std::string();
  if (!h.ready()) return text(http::status::service_unavailable, req, "starting\n" + notes);
  if (std::string problems = h.problems ? h.problems() : ""; !problems.empty()) {
    return text(http::status::service_unavailable, req, std::move(problems) + notes);
  }
  return text(http::status::ok, req, "ok\n" + notes);
}

bool handler_set(const Route& route, const Handlers& h) {
  if (route.handler != nullptr) return static_cast<bool>(h.*route.handler);
  const std::string_view p = route.path;
  if (p == "/metrics") return static_cast<bool>(h.metrics);
  if (p == "/health") return static_cast<bool>(h.ready);
  if (p == "/api/stats") return static_cast<bool>(h.stats_json);
  if (p == "/api/reload") return static_cast<bool>(h.reload);
  if (p == "/api/devices") return static_cast<bool>(h.devices_json);
  return static_cast<bool>(h.pauses_json);
}

Response from_result(const Request& req, ReportResult r) {
  const std::string_view type = r.content_type.empty() ? std::string_view("application/octet-stream") : std::string_view(r.content_type);
  return text(detail::to_status(r.status), req, std::move(r.body), type);
}

// /api/report?...&download=1: the browser saves it. Only after a 200, when the handler has
// checked from and to as dates and format as html, csv or json: nothing else reaches the name.
void mark_download(const Route& route, const QueryParams& params, Response& res) {
  if (route.path != "/api/report" || detail::param(params, "download") != "1" || res.result() != http::status::ok) return;
  const std::string format = detail::param(params, "format").empty() ? "json" : detail::param(params, "format");
  res.set(http::field::content_disposition, "attachment; filename=\"sprout-report-" + detail::param(params, "from") + "-" +
                                                detail::param(params, "to") + "." + format + "\"");
}

Response dispatch_route(const Route& route, const Request& req, const QueryParams& params, const Handlers& h) {
  if (!handler_set(route, h)) return json_error(http::status::not_implemented, req, "not available");
  if (route.path == "/api/explain") return handle_explain(req, params, h);
  if (route.handler != nullptr) {
    Response res = from_result(req, (h.*route.handler)(params));
    mark_download(route, params, res);
    return res;
  }
  const std::string_view p = route.path;
  if (p == "/metrics") return text(http::status::ok, req, h.metrics(), kMetricsContentType);
  if (p == "/health") return handle_health(req, h);
  if (p == "/api/stats") return text(http::status::ok, req, h.stats_json(), kJson);
  if (p == "/api/reload") return handle_reload(req, h);
  if (p == "/api/devices") return text(http::status::ok, req, h.devices_json(), kJson);
  return text(http::status::ok, req, h.pauses_json(), kJson);
}

// The query string and, for a POST, a form body (the body wins). nullopt: 400 or 415.
std::optional<Response> read_params(const Request& req, QueryParams& params) {
  if (req.method() == http::verb::post && !req.body().empty()) {
    const std::string_view type = detail::to_std(req[http::field::content_type]);
    if (!type.starts_with("application/x-www-form-urlencoded")) {
      return json_error(http::status::unsupported_media_type, req, "send parameters as application/x-www-form-urlencoded");
    }
    if (!parse_form(req.body(), params, true)) return json_error(http::status::bad_request, req, "bad form body");
  }
  for (const auto& [key, value] : params) {
    if (key.size() > kMaxParam || value.size() > kMaxParam) return text(http::status::bad_request, req, "parameter too long\n");
  }
  return std::nullopt;
}

// The route of this path and method; nullptr with `*path_known` when only the method is wrong.
const Route* find_route(std::string_view path, http::verb method, bool* path_known, std::string* allow) {
  const bool head = method == http::verb::head;
  for (const Route& r : kRoutes) {
    if (r.path != path) continue;
    *path_known = true;
    if (r.method == method || (head && r.method == http::verb::get)) return &r;
    *allow += std::string(allow->empty() ? "" : ", ") + (r.method == http::verb::get ? "GET, HEAD" : "POST");
  }
  return nullptr;
}

}  // namespace

Response detail::route_request(const Request& req, const Peer& peer, const AdminOptions& options, const Handlers& h,
                               AuthState& auth) {
  auto target = parse_target(detail::to_std(req.target()));
  if (!target) return text(http::status::bad_request, req, "bad request target\n");
  if (auto page = detail::serve_dashboard(req, target->path)) return std::move(*page);  // open: the files hold no data
  bool path_known = false;
  std::string allow;
  const Route* route = find_route(target->path, req.method(), &path_known, &allow);
  if (route == nullptr && !path_known) return text(http::status::not_found, req, "not found\n");
  if (route == nullptr) {
    auto res = text(http::status::method_not_allowed, req, "method not allowed\n");
    res.set(http::field::allow, allow);
    return res;
  }
  QueryParams& params = target->params;
  if (auto bad = read_params(req, params)) return std::move(*bad);
  const std::string token = h.token ? h.token() : options.token;
  if (route->guard == Guard::auth) return handle_auth_route(route->path, req, params, peer, token, auth);
  if (route->guard == Guard::open) return dispatch_route(*route, req, params, h);
  const auto who = identify(req, token, auth);
  if (!who) return unauthenticated(req, token, auth);
  if (route->guard == Guard::change) {
    if (std::string why = change_problem(req, *who); !why.empty()) return json_error(http::status::forbidden, req, why);
  }
  params.erase("principal");  // only the router says who asked
  if (route->method == http::verb::post) params["principal"] = who->session == nullptr && param(params, "via") == "cli" ? "cli" : who->name;
  return dispatch_route(*route, req, params, h);
}

}  // namespace sprout::admin
