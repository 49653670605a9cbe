// Fuzz target: the admin API's request handling, from raw request bytes: Beast's parser with
// the listener's limits, then the Asio-free routing (target, route, method, token, handler).
#include <utility>  // before any Boost header that may pull Asio in: Boost 1.74 bug

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include "admin_routes.hpp"
#include "dashboard_assets.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace sprout::admin;
namespace http = detail::http;

constexpr std::string_view kToken = "fuzz-token-4f1c";

struct Calls {
  bool guarded = false;  // explain, reload or report ran
};

Handlers handlers(Calls& calls) {
  Handlers h;
  h.metrics = [] { return std::string("sprout_up 1\n"); };
  h.ready = [] { return true; };
  h.stats_json = [] { return std::string("{}"); };
  h.explain = [&calls](const QueryParams& p) {
    calls.guarded = true;
    const auto size = [&](const char* k) { return p.count(k) ? p.at(k).size() : std::size_t{0}; };
    FUZZ_CHECK(p.count("client") + p.count("network") == 1 && size("client") <= 64);
    FUZZ_CHECK(size("name") > 0 && size("name") <= 255);
    FUZZ_CHECK(size("type") > 0 && size("type") <= 16);
    FUZZ_CHECK(size("device") <= 255);
    return ReportResult{200, "application/json", "{}"};
  };
  h.reload = [&calls] {
    calls.guarded = true;
    return ReloadResult{true, "ok"};
  };
  h.report = [&calls](const QueryParams& params) {
    calls.guarded = true;
    for (const auto& [k, v] : params) FUZZ_CHECK(k.size() <= 512 && v.size() <= 512);
    return ReportResult{200, "text/csv", "a,b\n"};
  };
  // The dashboard's routes: guarded like the others; a change always names its principal.
  const auto read = [&calls](const QueryParams&) { return calls.guarded = true, ReportResult{200, "application/json", "[]"}; };
  const auto change = [&calls](const QueryParams& params) {
    calls.guarded = true;
    FUZZ_CHECK(params.count("principal") == 1);
    return ReportResult{200, "application/json", "{\"ok\":true}"};
  };
  h.overview = h.lists = h.networks = h.profiles = h.overrides = read;
  h.change_override = h.refresh = h.undo = h.pause = change;
  return h;
}

// Parses like the listener: the same limits, the whole request from one buffer.
bool parse(const std::uint8_t* data, std::size_t size, detail::Request& out) {
  http::request_parser<http::string_body> parser;
  const AdminOptions defaults;
  parser.header_limit(static_cast<std::uint32_t>(defaults.max_header_bytes));
  parser.body_limit(defaults.max_body_bytes);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (!parser.is_done() && used < size) {
    const std::size_t n = parser.put(boost::asio::buffer(data + used, size - used), ec);
    if (ec || n == 0) break;
    used += n;
  }
  if (!parser.is_done()) return false;
  out = parser.release();
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // First byte: which token configuration the server runs with, and whether the peer is local.
  const std::uint8_t mode = data[0] % 3;  // 0: options.token, 1: the token callback, 2: no token
  const detail::Peer peer{"192.0.2.1", (data[0] & 0x80) != 0};
  detail::Request req;
  if (!parse(data + 1, size - 1, req)) return 0;
  Calls calls;
  Handlers h = handlers(calls);
  AdminOptions options;
  if (mode == 0) options.token = std::string(kToken);
  if (mode == 1) h.token = [] { return std::string(kToken); };
  detail::AuthState auth("");  // accounts in memory: setup may create one, no session survives an input
  const detail::Response res = detail::route_request(req, peer, options, h, auth);

  const unsigned status = res.result_int();
  FUZZ_CHECK(status >= 100 && status <= 599);
  // Never stored, except the dashboard's files: revalidated by their ETag, under the strict CSP.
  FUZZ_CHECK(res[http::field::cache_control] == (res[http::field::etag].empty() ? "no-store" : "no-cache"));
  if (!res[http::field::etag].empty()) FUZZ_CHECK(detail::to_std(res["Content-Security-Policy"]) == detail::kDashboardCsp);
  FUZZ_CHECK(res["X-Content-Type-Options"] == "nosniff");
  FUZZ_CHECK(!res[http::field::content_type].empty());
  // 204 (logout) and 304 (a dashboard file not modified) carry no Content-Length and no body;
  // everything else says its body's size.
  if (status == 304) FUZZ_CHECK(res[http::field::content_length].empty() && res.body().empty());
  if (status != 204 && status != 304) FUZZ_CHECK(res[http::field::content_length] == std::to_string(res.body().size()));
  // Nothing guarded runs without the configured token in the request (one request per input:
  // no session cookie can be valid).
  if (calls.guarded) {
    FUZZ_CHECK(mode != 2);
    const auto auth = detail::to_std(req[http::field::authorization]);
    FUZZ_CHECK(auth.find(kToken) != std::string_view::npos);
  }
  return 0;
}
