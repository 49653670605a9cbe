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
  h.explain = [&calls](std::string_view client, std::string_view name, std::string_view type, std::string_view device) {
    calls.guarded = true;
    FUZZ_CHECK(!client.empty() && client.size() <= 64);
    FUZZ_CHECK(!name.empty() && name.size() <= 255);
    FUZZ_CHECK(!type.empty() && type.size() <= 16);
    FUZZ_CHECK(device.size() <= 255);
    return ExplainResult{200, "{}"};
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
  // First byte: which token configuration the server runs with.
  const std::uint8_t mode = data[0] % 3;  // 0: options.token, 1: the token callback, 2: no token
  detail::Request req;
  if (!parse(data + 1, size - 1, req)) return 0;
  Calls calls;
  Handlers h = handlers(calls);
  AdminOptions options;
  if (mode == 0) options.token = std::string(kToken);
  if (mode == 1) h.token = [] { return std::string(kToken); };
  const detail::Response res = detail::route_request(req, options, h);

  const unsigned status = res.result_int();
  FUZZ_CHECK(status >= 100 && status <= 599);
  FUZZ_CHECK(res[http::field::cache_control] == "no-store");
  FUZZ_CHECK(res["X-Content-Type-Options"] == "nosniff");
  FUZZ_CHECK(!res[http::field::content_type].empty());
  FUZZ_CHECK(res[http::field::content_length] == std::to_string(res.body().size()));
  // Nothing guarded runs without the configured token in the request.
  if (calls.guarded) {
    FUZZ_CHECK(mode != 2);
    const auto auth = detail::to_std(req[http::field::authorization]);
    FUZZ_CHECK(auth.find(kToken) != std::string_view::npos);
  }
  return 0;
}
