// One c-ares channel for one upstream, driven by a worker's io_context.
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <ares.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <unordered_map>

#include "sprout/config/config.hpp"

namespace sprout::net {

namespace asio = boost::asio;

// status is an ARES_* code; on ARES_SUCCESS `answer` holds the upstream's bytes (valid only
// during the call, writable so the caller can rewrite it in place).
using AresCallback = std::function<void(int status, std::span<std::uint8_t> answer)>;

// One upstream as the Forwarder sees it: plain DNS through c-ares, or DoT (dot_upstream.hpp).
// Both report with ARES_* codes, so failover treats them alike.
class UpstreamChannel {
 public:
  virtual ~UpstreamChannel() = default;
  // Sends a complete query. The callback may run before send() returns, and runs with
  // ARES_EDESTRUCTION when the channel is destroyed.
  virtual void send(std::span<const std::uint8_t> query, AresCallback callback) = 0;
};

class AresChannel final : public UpstreamChannel {
 public:
  AresChannel(asio::io_context& io, const config::Upstream& upstream);
  ~AresChannel() override;
  AresChannel(const AresChannel&) = delete;
  AresChannel& operator=(const AresChannel&) = delete;

  // Sends a complete query. The callback may run before send() returns (c-ares can fail
  // at once), and runs with ARES_EDESTRUCTION when the channel is destroyed.
  void send(std::span<const std::uint8_t> query, AresCallback callback) override;
  [[nodiscard]] const config::Upstream& upstream() const noexcept { return upstream_; }

 private:
  struct Watch;
  static void on_sock_state(void* self, ares_socket_t fd, int readable, int writable);
  void sock_state(ares_socket_t fd, bool readable, bool writable);
  void wait(const std::shared_ptr<Watch>& w, bool for_write);
  void arm_timer();

  asio::io_context& io_;
  config::Upstream upstream_;
  ares_channel channel_ = nullptr;
  asio::steady_timer timer_;
  std::chrono::steady_clock::time_point timer_deadline_ = std::chrono::steady_clock::time_point::max();
  std::unordered_map<ares_socket_t, std::shared_ptr<Watch>> watches_;
};

}  // namespace sprout::net
