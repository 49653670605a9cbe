// The admin HTTP endpoint (/metrics, /health, /api/*) on the control thread's io_context; token-guarded.
#pragma once

#include <utility>  // before any Asio header: Boost 1.74 bug

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

#include "sprout/admin/http_util.hpp"

namespace sprout::admin {

namespace detail {
class HttpListener;
}

struct AdminOptions {
  std::string address = "127.0.0.1";  // localhost by default: metrics are not for the whole LAN
  std::uint16_t port = 0;             // 0 = let the kernel pick; see AdminServer::port()
  // Bearer token for /api/reload, /api/report, /api/explain. Empty: those answer 403.
  std::string token;
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 16 * 1024;
  std::chrono::milliseconds read_timeout{10'000};  // whole request, first byte to last
  std::chrono::milliseconds write_timeout{10'000};
  std::size_t max_connections = 32;
};

struct ExplainResult {
  unsigned status = 200;
  std::string json;
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

// Callbacks the lead implements. They run on the io_context's thread and should be quick.
// An unset callback makes its route answer 501; a throwing one answers 500.
struct Handlers {
  std::function<std::string()> metrics;    // Prometheus text (see render_metrics)
  std::function<bool()> ready;             // /health: 200 "ok" when true, 503 "starting" otherwise
  std::function<std::string()> stats_json;
  std::function<ExplainResult(std::string_view client, std::string_view name, std::string_view type)> explain;
  std::function<ReloadResult()> reload;    // 200 when ok, 422 when the new config was rejected
  std::function<ReportResult(const QueryParams& params)> report;  // from, to, format, lang, scope, ...
  std::function<std::string()> devices_json;  // configured devices, unknown MACs (token-guarded)
  std::function<ReportResult(const QueryParams& params)> pause;  // POST /api/pause (see pause_http.hpp)
  std::function<std::string()> pauses_json;   // the pauses still running
  // The bearer token, asked for on every guarded request so that a reload changes it at
  // once. Unset: AdminOptions::token.
  std::function<std::string()> token;
};

class AdminServer {
 public:
  // Binds at once (throws boost::system::system_error if it cannot) and accepts on ioc.
  AdminServer(boost::asio::io_context& ioc, AdminOptions options, Handlers handlers);
  ~AdminServer();  // stops; destroy before the io_context
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept;
  // Stops accepting and closes open connections; safe from any thread.
  void stop();

 private:
  std::shared_ptr<detail::HttpListener> listener_;
};

}  // namespace sprout::admin
