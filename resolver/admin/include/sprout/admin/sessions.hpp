// Dashboard sign-in state in memory: sessions with idle and absolute expiry and their CSRF
// tokens, and the failed-login limits per client address and per user.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "sprout/admin/accounts.hpp"

namespace sprout::admin {

using SteadyClock = std::chrono::steady_clock;

struct Session {
  std::string user;
  Role role = Role::viewer;
  std::string csrf;  // 256-bit random, base64url: the X-CSRF-Token every cookie POST must carry
  SteadyClock::time_point created, seen;
};

struct SessionLimits {
  std::chrono::seconds idle{2 * 3600};      // signed out after this long without a request
  std::chrono::seconds absolute{12 * 3600}; // and after this long whatever (the cookie's Max-Age)
  std::size_t max_sessions = 1024;          // past it the least recently seen one goes
};

// Kept in memory only: a restart signs everyone out. Control thread only.
class SessionBook {
 public:
  explicit SessionBook(SessionLimits limits = {}) : limits_(limits) {}
  [[nodiscard]] const SessionLimits& limits() const noexcept { return limits_; }
  // A new session; returns its id (256-bit random, base64url: the cookie's value).
  std::string open(std::string user, Role role, SteadyClock::time_point now);
  // The live session of `id`, its idle time restarted; nullptr when unknown or expired (then removed).
  Session* find(std::string_view id, SteadyClock::time_point now);
  void close(std::string_view id);
  void close_user(std::string_view user);  // the account was deleted
  [[nodiscard]] std::size_t size() const noexcept { return sessions_.size(); }

 private:
  SessionLimits limits_;
  std::map<std::string, Session, std::less<>> sessions_;
};

// Failed logins per key ("address 192.0.2.1", "user alice"): after `max_failures` within
// `window` the key is refused until the window, counted from its first failure, has passed.
class LoginLimiter {
 public:
  LoginLimiter(unsigned max_failures, std::chrono::seconds window, std::size_t max_keys = 4096)
      : max_failures_(max_failures), window_(window), max_keys_(max_keys) {}
  // Zero when the key may try now, else how long it must wait (rounded up to whole seconds).
  [[nodiscard]] std::chrono::seconds retry_after(std::string_view key, SteadyClock::time_point now) const;
  void failure(std::string_view key, SteadyClock::time_point now);
  void success(std::string_view key) { failures_.erase(std::string(key)); }

 private:
  struct Entry {
    unsigned count = 0;
    SteadyClock::time_point first;
  };
  unsigned max_failures_;
  std::chrono::seconds window_;
  std::size_t max_keys_;
  std::map<std::string, Entry, std::less<>> failures_;
};

}  // namespace sprout::admin
