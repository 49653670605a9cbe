// Internal: the admin API's routing, from a parsed request to its response (no sockets: fuzzed with clang).
#pragma once

#include "http_message.hpp"
#include "sprout/admin/admin_api.hpp"

namespace sprout::admin::detail {

// The whole of the admin API's request handling once Beast has parsed a request: target,
// route, method, token, handler. Never throws for any request (handler exceptions aside).
[[nodiscard]] Response route_request(const Request& req, const AdminOptions& options, const Handlers& h);

}  // namespace sprout::admin::detail
