// Minimal leveled logging to stderr: one line per start, stop, reload or error.
#pragma once

#include <sstream>
#include <string_view>

#include "sprout/config/config.hpp"

namespace sprout::core::log {

void set_level(config::LogLevel level) noexcept;
[[nodiscard]] bool enabled(config::LogLevel level) noexcept;
void write(config::LogLevel level, std::string_view message);

template <typename... Args>
void emit(config::LogLevel level, const Args&... args) {
  if (!enabled(level)) return;
  std::ostringstream out;
  (out << ... << args);
  write(level, out.str());
}

template <typename... Args> void debug(const Args&... a) { emit(config::LogLevel::debug, a...); }
template <typename... Args> void info(const Args&... a) { emit(config::LogLevel::info, a...); }
template <typename... Args> void warn(const Args&... a) { emit(config::LogLevel::warn, a...); }
template <typename... Args> void error(const Args&... a) { emit(config::LogLevel::error, a...); }

}  // namespace sprout::core::log
