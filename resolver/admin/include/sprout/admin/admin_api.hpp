// The admin API's options and the callbacks behind its routes (Asio-free: the routing is fuzzed with clang).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "sprout/admin/http_util.hpp"
#include "sprout/admin/sessions.hpp"

namespace sprout::admin {

struct AdminOptions {
  std::string address = "127.0.0.1";  // localhost by default: metrics are not for the whole LAN
  std::uint16_t port = 0;             // 0 = let the kernel pick; see AdminServer::port()
  // Bearer token for scripts: every guarded route, as an admin. Empty: only accounts sign in.
  std::string token;
  // Dashboard accounts (state_dir/accounts.json); empty: none (the bearer token only).
  std::string accounts_file;
  SessionLimits sessions;
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 16 * 1024;
  std::chrono::milliseconds read_timeout{10'000};  // whole request, first byte to last
  std::chrono::milliseconds write_timeout{10'000};
  std::size_t max_connections = 32;
};

struct ReloadResult {
  bool ok = false;
  std::string message;
};
struct ReportResult {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Every POST handler finds "principal" in its params: the signed-in user's name, "token" (the
// bearer token) or "cli" (the token, with via=cli); the router sets it, a client cannot.
// Callbacks the lead implements. They run on the io_context's thread and should be quick.
// An unset callback makes its route answer 501; a throwing one answers 500.
struct Handlers {
  std::function<std::string()> metrics;    // Prometheus text (see render_metrics)
  std::function<bool()> ready;             // /health: 200 "ok" when true, 503 "starting" otherwise
  std::function<std::string()> health_notes;  // optional lines after that first line (e.g. list ages)
  // /health once ready: one line per listener that is not serving (503 with them), or empty.
  std::function<std::string()> problems;
  std::function<std::string()> stats_json;
  // client= or network=, name=, type= (default A), device=, at= (ISO 8601); the router has
  // checked that name and one of client or network are there.
  std::function<ReportResult(const QueryParams& params)> explain;
  std::function<ReloadResult()> reload;    // 200 when ok, 422 when the new config was rejected
  std::function<ReportResult(const QueryParams& params)> report;  // from, to, format, lang, scope, ...
  std::function<std::string()> devices_json;  // configured devices, unknown MACs (token-guarded)
  std::function<ReportResult(const QueryParams& params)> pause;  // POST /api/pause (see pause_http.hpp)
  std::function<std::string()> pauses_json;   // the pauses still running
  std::function<ReportResult(const QueryParams& params)> audit;  // GET /api/audit?last=N: newest entries
  // The dashboard's JSON API (README "JSON API"): GET handlers need a session or the token,
  // POST handlers an admin (session with CSRF, or the token).
  std::function<ReportResult(const QueryParams& params)> overview;   // GET /api/overview?period=
  std::function<ReportResult(const QueryParams& params)> lists;      // GET /api/lists
  std::function<ReportResult(const QueryParams& params)> networks;   // GET /api/networks
  std::function<ReportResult(const QueryParams& params)> profiles;   // GET /api/profiles
  std::function<ReportResult(const QueryParams& params)> overrides;  // GET /api/overrides
  std::function<ReportResult(const QueryParams& params)> change_override;  // POST /api/override
  std::function<ReportResult(const QueryParams& params)> refresh;    // POST /api/refresh[?list=]
  std::function<ReportResult(const QueryParams& params)> undo;       // POST /api/undo?id=
  // The bearer token, asked for on every guarded request so that a reload changes it at
  // once. Unset: AdminOptions::token.
  std::function<std::string()> token;
};

}  // namespace sprout::admin
