// Test support: wait for a condition with a deadline, instead of sleeping a guessed time.
#pragma once

#include <chrono>
#include <thread>

namespace sprout::test {

// Polls `condition` until it holds (true) or `timeout` passes (false, after one last try).
template <class Condition>
bool wait_until(Condition&& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll = std::chrono::milliseconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(poll);
  }
  return true;
}

}  // namespace sprout::test
