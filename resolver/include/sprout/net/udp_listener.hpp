// A worker's UDP socket: drains every ready datagram per wakeup and answers in place.
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <boost/asio/ip/udp.hpp>
#include <array>

#include "sprout/net/forwarder.hpp"

namespace sprout::net {

class Worker;

class UdpListener {
 public:
  UdpListener(Worker& worker, int fd);
  void start() { wait_readable(); }
  void send(const asio::ip::udp::endpoint& to, std::span<const std::uint8_t> bytes);

 private:
  void wait_readable();
  void drain();

  Worker& worker_;
  asio::ip::udp::socket socket_;
  asio::ip::udp::endpoint from_;
  std::array<std::uint8_t, 4096> rx_{};
};

}  // namespace sprout::net
