// Internal: the admin API's routing, from a parsed request to its response (no sockets: fuzzed with clang).
#pragma once

#include "auth.hpp"
#include "http_message.hpp"
#include "sprout/admin/admin_api.hpp"

namespace sprout::admin::detail {

// The whole of the admin API's request handling once Beast has parsed a request: target,
// route, method, parameters (query string and form body), who asks (token or session), CSRF,
// handler. Never throws for any request (handler and KDF exceptions aside).
[[nodiscard]] Response route_request(const Request& req, const Peer& peer, const AdminOptions& options,
                                     const Handlers& h, AuthState& auth);

}  // namespace sprout::admin::detail
