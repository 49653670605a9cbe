// ListenerState: relaxed atomics only; a torn View (one field newer than another) is harmless
// for a health report read every few seconds.
#include "sprout/core/listener_state.hpp"

#include <system_error>

namespace sprout::core {

void ListenerState::armed(Clock::time_point now) noexcept {
  last_armed_.store(ticks(now), std::memory_order_relaxed);
  armed_.store(true, std::memory_order_relaxed);
}

void ListenerState::woke(Clock::time_point now) noexcept {
  last_woke_.store(ticks(now), std::memory_order_relaxed);
  armed_.store(false, std::memory_order_relaxed);
}

std::uint32_t ListenerState::succeeded() noexcept {
  const std::uint32_t streak = streak_.load(std::memory_order_relaxed);  // only its worker writes it
  if (streak != 0) streak_.store(0, std::memory_order_relaxed);
  return streak;
}

void ListenerState::failed(int error, Clock::time_point now) noexcept {
  errors_.fetch_add(1, std::memory_order_relaxed);
  streak_.fetch_add(1, std::memory_order_relaxed);
  last_error_.store(error, std::memory_order_relaxed);
  last_failure_.store(ticks(now), std::memory_order_relaxed);
}

ListenerState::View ListenerState::read() const noexcept {
  View v;
  v.armed = armed_.load(std::memory_order_relaxed);
  v.last_armed = point(last_armed_.load(std::memory_order_relaxed));
  v.last_woke = point(last_woke_.load(std::memory_order_relaxed));
  v.errors = errors_.load(std::memory_order_relaxed);
  v.streak = streak_.load(std::memory_order_relaxed);
  v.last_error = last_error_.load(std::memory_order_relaxed);
  v.last_failure = point(last_failure_.load(std::memory_order_relaxed));
  return v;
}

std::optional<std::string> listener_problem(const ListenerState::View& v, ListenerState::Clock::time_point now,
                                            ListenerState::Clock::duration grace) {
  const auto seconds = [now](ListenerState::Clock::time_point t) {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now - t).count());
  };
  const std::string error = v.last_error == 0 ? std::string("an exception") : std::error_code(v.last_error, std::generic_category()).message();
  if (v.streak > 0 && now - v.last_failure < grace) {
    return "failing (" + std::to_string(v.streak) + " in a row): " + error;
  }
  if (!v.armed && now - v.last_woke >= grace) {
    return "not re-armed for " + seconds(v.last_woke) + " s" + (v.streak > 0 ? " (last error: " + error + ")" : "");
  }
  return std::nullopt;
}

}  // namespace sprout::core
