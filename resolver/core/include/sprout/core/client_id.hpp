// Client IDs of encrypted transports: the first SNI label under the server name (DoT) or the
// path segment after /dns-query/ (DoH). Asio-free and allocation-free, so they can be fuzzed.
#pragma once

#include <string_view>

namespace sprout::core {

enum class ClientIdStatus {
  none,        // no ID carried: the listener's unknown-client policy applies
  id,          // `id` names a client (case as received; lookups ignore case)
  wrong_name,  // an SNI that is not tls.server_name or one label under it, or another path: refused
};

struct ClientIdResult {
  ClientIdStatus status = ClientIdStatus::none;
  std::string_view id;
};

// `sni` as the client sent it (may be empty: no SNI). With no server_name configured every
// name is accepted and no ID is read.
[[nodiscard]] ClientIdResult client_id_from_sni(std::string_view sni, std::string_view server_name) noexcept;

// `path` is the request target's path (no query string): "/dns-query" or "/dns-query/<id>".
[[nodiscard]] ClientIdResult client_id_from_path(std::string_view path) noexcept;

// Case-insensitive ASCII equality (host names and client IDs).
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace sprout::core
