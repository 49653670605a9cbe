// Leveled stderr logging with timestamps; whole lines written at once so threads don't interleave.
#include "sprout/core/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "sprout/config/printable.hpp"

namespace sprout::core::log {
namespace {

std::atomic<int> g_level{static_cast<int>(config::LogLevel::info)};

const char* level_name(config::LogLevel level) {
  switch (level) {
    case config::LogLevel::debug: return "debug";
    case config::LogLevel::info: return "info";
    case config::LogLevel::warn: return "warn";
    case config::LogLevel::error: return "error";
  }
  return "?";
}

}  // namespace

void set_level(config::LogLevel level) noexcept { g_level.store(static_cast<int>(level)); }

bool enabled(config::LogLevel level) noexcept { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

void write(config::LogLevel level, std::string_view message) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string line;
  line.reserve(message.size() + 48);
  line.append(stamp).append(".").append(std::to_string(1000 + ms).substr(1)).append("Z ");
  // Names from lists, packets and requests reach log lines: nothing in them may act on a terminal.
  line.append(level_name(level)).append(" ").append(config::printable(message)).append("\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace sprout::core::log
