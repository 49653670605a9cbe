// The systemd notify protocol (READY, RELOADING, STOPPING, WATCHDOG) over $NOTIFY_SOCKET.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sprout::control {

// A few lines over a unix datagram socket instead of libsystemd: the same protocol
// (sd_notify(3)), one dependency less on routers and in containers. Without
// $NOTIFY_SOCKET (not started by systemd as Type=notify) every call does nothing.
class SystemdNotifier {
 public:
  SystemdNotifier();  // reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID once
  // Sends one message such as "READY=1"; false when it could not be sent (or no socket).
  bool notify(std::string_view state) const;
  // How often systemd wants WATCHDOG=1 (WatchdogSec=), when it asked this process for it.
  [[nodiscard]] std::optional<std::chrono::microseconds> watchdog() const noexcept { return watchdog_; }

 private:
  std::string socket_;  // a path, or "@name" for the abstract namespace
  std::optional<std::chrono::microseconds> watchdog_;
};

}  // namespace sprout::control
