// Sign-in: first-run setup, login with rate limits, the session cookie, logout; and the rules
// every other route applies (identify the caller, CSRF and Origin on changes).
#include "auth.hpp"

#include <algorithm>

#include "route_util.hpp"
#include "sprout/core/log.hpp"

namespace sprout::admin::detail {
namespace {

constexpr std::string_view kCookie = "sprout_session";

std::string_view header(const Request& req, std::string_view name) {
  const auto it = req.find(to_beast(name));
  return it == req.end() ? std::string_view{} : to_std(it->value());
}

// The value of our cookie in "Cookie: a=1; sprout_session=XYZ"; empty when absent.
std::string_view session_cookie(const Request& req) {
  std::string_view rest = header(req, "Cookie");
  while (!rest.empty()) {
    const auto semi = rest.find(';');
    std::string_view pair = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.starts_with(kCookie) && pair.size() > kCookie.size() && pair[kCookie.size()] == '=') {
      return pair.substr(kCookie.size() + 1);
    }
  }
  return {};
}

std::string set_cookie(std::string_view id, std::chrono::seconds max_age) {
  return std::string(kCookie) + "=" + std::string(id) + "; HttpOnly; SameSite=Strict; Path=/; Max-Age=" +
         std::to_string(max_age.count());
}

Response session_answer(const Request& req, const Principal& who) {
  const std::string csrf = who.session != nullptr ? who.session->csrf : std::string();
  return json_response(http::status::ok, req, {{"user", who.name}, {"role", role_name(who.role)}, {"csrf", csrf}});
}

// A new session for `account`: the JSON of /api/session and the cookie.
Response sign_in(const Request& req, const Account& account, AuthState& auth) {
  const std::string id = auth.sessions.open(account.name, account.role, auth.now());
  Principal who{account.name, account.role, auth.sessions.find(id, auth.now())};
  Response res = session_answer(req, who);
  res.set(http::field::set_cookie, set_cookie(id, auth.sessions.limits().absolute));
  return res;
}

// The same cost for an unknown user as for a wrong password: the answer's time tells nothing.
bool verify_or_waste(const Account* account, std::string_view password) {
  static const Account dummy = make_account("-", Role::viewer, "not a password of anyone");
  return verify_password(account != nullptr ? *account : dummy, password) && account != nullptr;
}

Response login(const Request& req, const QueryParams& params, const Peer& peer, AuthState& auth) {
  const std::string user = param(params, "user");
  const std::string by_address = "address " + peer.address, by_user = "user " + user;
  const auto now = auth.now();
  const auto wait = std::max(auth.by_address.retry_after(by_address, now), auth.by_user.retry_after(by_user, now));
  if (wait.count() > 0) {
    Response res = json_error(http::status::too_many_requests, req, "too many failed logins; try again later");
    res.set(http::field::retry_after, std::to_string(wait.count()));
    return res;
  }
  if (!auth.refresh_accounts()) return json_error(http::status::service_unavailable, req, "the accounts file cannot be read");
  const Account* account = auth.accounts.find(user);
  if (!verify_or_waste(account, param(params, "password"))) {
    auth.by_address.failure(by_address, now);
    auth.by_user.failure(by_user, now);
    core::log::warn("admin: failed login from ", peer.address);
    return json_error(http::status::unauthorized, req, "wrong user or password");
  }
  auth.by_user.success(by_user);
  return sign_in(req, *account, auth);
}

Response setup(const Request& req, const QueryParams& params, const Peer& peer, AuthState& auth) {
  const bool usable = auth.refresh_accounts();
  if (req.method() == http::verb::get || req.method() == http::verb::head) {
    return json_response(http::status::ok, req, {{"needed", usable && auth.accounts.empty()}});
  }
  // The first account decides who runs the filter: only from this host, and only once.
  if (!peer.loopback) return json_error(http::status::forbidden, req, "setup is only possible from this host (loopback)");
  if (!usable || !auth.accounts.empty()) return json_error(http::status::forbidden, req, "an account exists already");
  const std::string user = param(params, "user"), password = param(params, "password");
  std::string why = user_name_problem(user);
  if (why.empty()) why = password_problem(password);
  if (!why.empty()) return json_error(http::status::unprocessable_entity, req, why);
  auth.accounts.put(make_account(user, Role::admin, password));
  std::string error;
  if (!auth.accounts.save(error)) {
    auth.accounts.remove(user);
    core::log::error("admin: ", error);
    return json_error(http::status::internal_server_error, req, "cannot save the accounts file");
  }
  core::log::info("admin: first account '", user, "' created from ", peer.address);
  return sign_in(req, *auth.accounts.find(user), auth);
}

Response logout(const Request& req, AuthState& auth) {
  const std::string_view id = session_cookie(req);
  if (Session* s = id.empty() ? nullptr : auth.sessions.find(id, auth.now())) {
    // Anyone may sign out, a viewer too (the contract: every POST but login/logout needs an admin);
    // the CSRF and Origin rules still apply, so no other site can sign a user out.
    if (std::string why = change_problem(req, Principal{s->user, Role::admin, s}); !why.empty()) {
      return json_error(http::status::forbidden, req, why);
    }
    auth.sessions.close(id);
  }
  Response res = make_response(http::status::no_content, req.version(), kJson, "");
  res.set(http::field::set_cookie, set_cookie("", std::chrono::seconds(0)));
  return res;
}

}  // namespace

bool AuthState::refresh_accounts() {
  std::string error;
  const bool ok = accounts.refresh(error);
  if (!ok && error != last_error) core::log::error("admin: ", error, " (nobody can sign in until it is fixed)");
  last_error = ok ? std::string() : error;
  return ok;
}

std::optional<Principal> identify(const Request& req, const std::string& token, AuthState& auth) {
  const std::string_view given = bearer_token(header(req, "Authorization"));
  if (!token.empty() && !given.empty() && constant_time_equal(given, token)) return Principal{"token", Role::admin, nullptr};
  const std::string_view id = session_cookie(req);
  if (id.empty()) return std::nullopt;
  Session* s = auth.sessions.find(id, auth.now());
  if (s == nullptr) return std::nullopt;
  // sproutdns passwd may have deleted the user or changed the role since sign-in.
  const Account* account = auth.refresh_accounts() ? auth.accounts.find(s->user) : nullptr;
  if (account == nullptr) {
    auth.sessions.close_user(s->user);
    return std::nullopt;
  }
  s->role = account->role;
  return Principal{s->user, s->role, s};
}

bool origin_ok(const Request& req) {
  const std::string_view origin = header(req, "Origin");
  if (origin.empty()) return true;
  const std::string_view host = header(req, "Host");
  return !host.empty() && origin == "http://" + std::string(host);
}

std::string change_problem(const Request& req, const Principal& who) {
  if (who.role != Role::admin) return "this account may look, not change (role viewer)";
  if (who.session == nullptr) return {};  // the bearer token: a script, not a browser
  const std::string_view csrf = header(req, "X-CSRF-Token");
  if (csrf.empty() || !constant_time_equal(csrf, who.session->csrf)) return "missing or wrong X-CSRF-Token";
  if (!origin_ok(req)) return "the Origin header is not this server";
  return {};
}

bool is_auth_route(std::string_view path) noexcept {
  return path == "/api/setup" || path == "/api/login" || path == "/api/logout" || path == "/api/session";
}

Response handle_auth_route(std::string_view path, const Request& req, const QueryParams& params, const Peer& peer,
                           const std::string& token, AuthState& auth) {
  const bool post = req.method() == http::verb::post;
  if (post && !origin_ok(req)) return json_error(http::status::forbidden, req, "the Origin header is not this server");
  if (path == "/api/login") return login(req, params, peer, auth);
  if (path == "/api/setup") return setup(req, params, peer, auth);
  if (path == "/api/logout") return logout(req, auth);
  const auto who = identify(req, token, auth);
  return who ? session_answer(req, *who) : json_error(http::status::unauthorized, req, "not signed in");
}

}  // namespace sprout::admin::detail
