// A worker's UDP socket: batched receive (recvmmsg) and send (sendmmsg) of answers made in place.
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <sys/socket.h>

#include <boost/asio/ip/udp.hpp>
#include <array>
#include <memory>

#include "sprout/core/driver.hpp"
#include "sprout/net/ares_channel.hpp"
#include "sprout/net/listener_health.hpp"

namespace sprout::net {

class Worker;

class UdpListener {
 public:
  UdpListener(Worker& worker, int fd);
  void start() { wait_readable(); }
  [[nodiscard]] const core::ListenerState& state() const noexcept { return health_.state(); }
  void send(const asio::ip::udp::endpoint& to, std::span<const std::uint8_t> bytes);

 private:
  static constexpr std::size_t kBatch = 32;
  static constexpr std::size_t kBufferSize = core::Driver::kBufferSize;

  // One slot per datagram of a batch: the query is read into `rx`, a synchronous answer is
  // written into `tx` and everything answered goes out in one sendmmsg.
  struct Batch {
    std::array<std::array<std::uint8_t, kBufferSize>, kBatch> rx;
    std::array<std::array<std::uint8_t, kBufferSize>, kBatch> tx;
    std::array<sockaddr_storage, kBatch> peer;
    std::array<iovec, kBatch> rx_iov, tx_iov;
    std::array<mmsghdr, kBatch> rx_msg, tx_msg;
  };

  void wait_readable();
  bool drain_once();  // false when the socket is empty or failed (receive_error_ says which)
  void handle(std::size_t slot, std::size_t length, std::size_t& replies);
  friend class SlotResponder;

  Worker& worker_;
  asio::ip::udp::socket socket_;
  // Not zeroed (270 KiB per listener): a slot's pages become resident when a datagram or an
  // answer first lands in it, and everything is written before it is read.
  std::unique_ptr<Batch> batch_ = std::make_unique_for_overwrite<Batch>();
  ListenerHealth health_;
  int receive_error_ = 0;  // the last receive error, 0 when the socket was merely empty
};

}  // namespace sprout::net
