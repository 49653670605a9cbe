// Internal: who sent an admin request (bearer token or session cookie), the CSRF and Origin
// rules for changes, and the sign-in routes (/api/setup, /api/login, /api/logout, /api/session).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "http_message.hpp"
#include "sprout/admin/accounts.hpp"
#include "sprout/admin/admin_api.hpp"
#include "sprout/admin/sessions.hpp"

namespace sprout::admin::detail {

// The connection's far end, as the listener saw it.
struct Peer {
  std::string address;
  bool loopback = false;
};

// Accounts, sessions and login limits of one admin server; control thread only.
struct AuthState {
  explicit AuthState(std::string accounts_file, SessionLimits limits = {})
      : accounts(std::move(accounts_file)), sessions(limits) {}
  AccountStore accounts;
  SessionBook sessions;
  LoginLimiter by_address{5, std::chrono::minutes(5)};  // one guesser, many user names
  LoginLimiter by_user{10, std::chrono::minutes(5)};    // many guessers, one user name
  std::function<SteadyClock::time_point()> now = [] { return SteadyClock::now(); };  // tests move it
  std::string last_error;  // the accounts file's last problem, logged once
  // Re-reads the accounts file if it changed; false when it is unusable (logged once).
  bool refresh_accounts();
};

struct Principal {
  std::string name;            // the user, or "token"
  Role role = Role::viewer;
  Session* session = nullptr;  // null: the bearer token
};

// The bearer token (when configured and given) or a live session whose account still exists
// (its current role); nullopt when the request proves neither.
[[nodiscard]] std::optional<Principal> identify(const Request& req, const std::string& token, AuthState& auth);
// Why a change must be refused (empty: it may go ahead). A cookie alone proves nothing about
// which page sent it: the session's CSRF token must come in X-CSRF-Token, and an Origin header,
// when the browser sends one, must be this server (http://<Host>).
[[nodiscard]] std::string change_problem(const Request& req, const Principal& who);
// An Origin header, when present, names this server: else a page elsewhere is posting here.
[[nodiscard]] bool origin_ok(const Request& req);

[[nodiscard]] bool is_auth_route(std::string_view path) noexcept;
[[nodiscard]] Response handle_auth_route(std::string_view path, const Request& req, const QueryParams& params,
                                         const Peer& peer, const std::string& token, AuthState& auth);

}  // namespace sprout::admin::detail
