// ListenerHealth: the error path of every listener, so UDP and TCP fail and recover alike.
#include "sprout/net/listener_health.hpp"

#include <algorithm>

#include "sprout/core/log.hpp"

namespace sprout::net {
namespace {

constexpr std::chrono::milliseconds kFirstPause{50};

bool power_of_ten(std::uint32_t n) {
  while (n >= 10 && n % 10 == 0) n /= 10;
  return n == 1;
}

}  // namespace

void ListenerHealth::failed(int error, const std::string& what, std::function<void()> rearm) {
  state_.failed(error, core::ListenerState::Clock::now());
  const std::uint32_t streak = state_.read().streak;
  const int doublings = static_cast<int>(std::min<std::uint32_t>(streak - 1, 10));
  const auto pause = std::min(kMaxListenerPause, kFirstPause * (1 << doublings));
  if (power_of_ten(streak)) {
    core::log::error(state_.name(), ": ", what, " (error ", streak, " in a row; retrying in ", pause.count(), " ms)");
  }
  pause_.expires_after(pause);
  pause_.async_wait([rearm = std::move(rearm)](const boost::system::error_code& ec) {
    if (!ec) rearm();
  });
}

void ListenerHealth::log_recovery(std::uint32_t ended) {
  core::log::info(state_.name(), ": serving again after ", ended, " error", ended == 1 ? "" : "s");
}

}  // namespace sprout::net
