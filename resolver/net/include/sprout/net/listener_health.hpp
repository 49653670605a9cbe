// A listener's state for /health plus what it does after an error: log, count, pause, re-arm.
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <string>

#include "sprout/core/listener_state.hpp"

namespace sprout::net {

namespace asio = boost::asio;

// Longest pause before re-arming after repeated errors; /health allows more than this
// before it calls a listener that has not re-armed deaf.
inline constexpr std::chrono::milliseconds kMaxListenerPause{1000};

class ListenerHealth {
 public:
  ListenerHealth(asio::io_context& io, std::string name) : state_(std::move(name)), pause_(io) {}

  [[nodiscard]] const core::ListenerState& state() const noexcept { return state_; }
  void armed() noexcept { state_.armed(core::ListenerState::Clock::now()); }
  void woke() noexcept { state_.woke(core::ListenerState::Clock::now()); }
  // After each datagram batch or accepted connection; logs the end of a failure streak.
  void succeeded() noexcept {
    if (const auto ended = state_.succeeded(); ended != 0) log_recovery(ended);
  }
  // A real error: counted, logged (the first of a streak, then every power of ten) and
  // `rearm` runs after a pause growing with the streak. Re-arming at once would spin a core
  // on an error whose cause stays readable (EMFILE leaves the connection in the backlog).
  void failed(int error, const std::string& what, std::function<void()> rearm);

 private:
  void log_recovery(std::uint32_t ended);

  core::ListenerState state_;
  asio::steady_timer pause_;
};

}  // namespace sprout::net
