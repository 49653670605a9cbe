// The common response shape of the admin and block page servers.
#include "http_message.hpp"

namespace sprout::admin::detail {

Response make_response(http::status status, unsigned version, std::string_view content_type, std::string body) {
  Response res{status, version};
  res.set(http::field::content_type, to_beast(content_type));
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

}  // namespace sprout::admin::detail
