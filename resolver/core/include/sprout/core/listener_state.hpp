// Whether a listener is waiting for traffic and how its last attempts went: written by its
// worker with relaxed atomics, read lock-free by the control thread for /health and /metrics.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace sprout::core {

class ListenerState {
 public:
  using Clock = std::chrono::steady_clock;

  // `name` says what the listener serves ("udp 127.0.0.1:53"); fixed for its life.
  explicit ListenerState(std::string name) : name_(std::move(name)) {}
  ListenerState(const ListenerState&) = delete;
  ListenerState& operator=(const ListenerState&) = delete;

  // Worker side. The hot path pays one clock read per wake-up and no shared write when
  // nothing failed.
  void armed(Clock::time_point now) noexcept;  // a wait for the next datagram or connection is outstanding
  void woke(Clock::time_point now) noexcept;   // its handler runs: not armed again until it re-arms
  // It received or accepted something: a failure streak ends. Returns the streak it ended.
  std::uint32_t succeeded() noexcept;
  void failed(int error, Clock::time_point now) noexcept;  // a real receive or accept error (0: an exception)

  struct View {
    bool armed = false;
    Clock::time_point last_armed;  // the last (re-)arm
    Clock::time_point last_woke;
    std::uint64_t errors = 0;      // since start
    std::uint32_t streak = 0;      // errors since the last success
    int last_error = 0;
    Clock::time_point last_failure;
  };
  [[nodiscard]] View read() const noexcept;
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

 private:
  static std::int64_t ticks(Clock::time_point t) noexcept { return t.time_since_epoch().count(); }
  static Clock::time_point point(std::int64_t ticks) noexcept { return Clock::time_point(Clock::duration(ticks)); }

  const std::string name_;
  std::atomic<bool> armed_{false};
  std::atomic<std::int64_t> last_armed_{0};
  std::atomic<std::int64_t> last_woke_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::uint32_t> streak_{0};
  std::atomic<int> last_error_{0};
  std::atomic<std::int64_t> last_failure_{0};
};

// Why a listener is not serving, or nothing. A listener re-arms microseconds after it woke,
// or after its pause following an error (shorter than `grace`); so one that has not
// re-armed within `grace` is deaf, and one whose latest attempt failed within `grace` is
// failing (an older failure on a quiet listener is history, not a state).
[[nodiscard]] std::optional<std::string> listener_problem(const ListenerState::View& v, ListenerState::Clock::time_point now,
                                                          ListenerState::Clock::duration grace);

}  // namespace sprout::core
