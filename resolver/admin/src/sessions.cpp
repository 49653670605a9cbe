// Sessions and login limits: random ids, expiry on every lookup, bounded tables.
#include "sprout/admin/sessions.hpp"

#include <algorithm>

#include "sprout/admin/http_util.hpp"

namespace sprout::admin {
namespace {

constexpr std::size_t kTokenBytes = 32;  // 256 bits: ids and CSRF tokens cannot be guessed

}  // namespace

std::string SessionBook::open(std::string user, Role role, SteadyClock::time_point now) {
  if (sessions_.size() >= limits_.max_sessions) {
    const auto oldest = std::min_element(sessions_.begin(), sessions_.end(),
                                         [](const auto& a, const auto& b) { return a.second.seen < b.second.seen; });
    sessions_.erase(oldest);
  }
  std::string id = random_token(kTokenBytes);
  sessions_.insert_or_assign(id, Session{std::move(user), role, random_token(kTokenBytes), now, now});
  return id;
}

Session* SessionBook::find(std::string_view id, SteadyClock::time_point now) {
  const auto it = sessions_.find(id);
  if (it == sessions_.end()) return nullptr;
  Session& s = it->second;
  if (now - s.seen >= limits_.idle || now - s.created >= limits_.absolute) {
    sessions_.erase(it);
    return nullptr;
  }
  s.seen = now;
  return &s;
}

void SessionBook::close(std::string_view id) {
  if (const auto it = sessions_.find(id); it != sessions_.end()) sessions_.erase(it);
}

void SessionBook::close_user(std::string_view user) {
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.user == user; });
}

std::chrono::seconds LoginLimiter::retry_after(std::string_view key, SteadyClock::time_point now) const {
  const auto it = failures_.find(key);
  if (it == failures_.end() || it->second.count < max_failures_) return std::chrono::seconds{0};
  const auto left = it->second.first + window_ - now;
  if (left <= SteadyClock::duration::zero()) return std::chrono::seconds{0};
  return std::chrono::ceil<std::chrono::seconds>(left);
}

void LoginLimiter::failure(std::string_view key, SteadyClock::time_point now) {
  auto it = failures_.find(key);
  if (it != failures_.end() && now - it->second.first >= window_) it->second = Entry{0, now};
  if (it == failures_.end()) {
    if (failures_.size() >= max_keys_) {
      // Full: forget the oldest first failure (an attacker filling the table only loosens, never locks others out).
      failures_.erase(std::min_element(failures_.begin(), failures_.end(),
                                       [](const auto& a, const auto& b) { return a.second.first < b.second.first; }));
    }
    it = failures_.emplace(std::string(key), Entry{0, now}).first;
  }
  ++it->second.count;
}

}  // namespace sprout::admin
