// The resolver's clock: the system clock, or a fake start time from SPROUT_FAKE_TIME for tests.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sprout::time {

// Every schedule decision reads time through one Clock, so end-to-end tests can start the
// resolver a few seconds before a window boundary and watch it pass:
//
//   SPROUT_FAKE_TIME=2026-12-01T07:59:58Z sproutdns -c school.yaml
//   SPROUT_FAKE_TIME=2026-12-01T07:59:58+07:00 ...     (an offset instead of Z)
//
// When set at startup, now() starts at that instant and advances in real time (steady
// clock). It is a testing aid: never set it in production.
class Clock {
 public:
  static constexpr const char* kFakeTimeVariable = "SPROUT_FAKE_TIME";

  Clock() = default;  // the system clock
  // Reads SPROUT_FAKE_TIME once. A malformed value leaves the system clock in place and
  // sets `error` (when given) to say why, so the caller can log it.
  static Clock from_environment(std::string* error = nullptr);
  static Clock starting_at(std::chrono::system_clock::time_point start);

  [[nodiscard]] std::chrono::system_clock::time_point now() const noexcept;
  [[nodiscard]] bool is_fake() const noexcept { return fake_; }

 private:
  bool fake_ = false;
  std::chrono::system_clock::time_point start_{};
  std::chrono::steady_clock::time_point steady_start_{};
};

// "2026-12-01T07:59:58Z", "2026-12-01T07:59:58.250+07:00", "...-0500"; nullopt if malformed.
std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text) noexcept;

// "2026-12-01T07:59:58Z": the one way an instant is written for people and JSON (seconds, UTC).
std::string format_iso8601_utc(std::chrono::system_clock::time_point t);

}  // namespace sprout::time
