// DNS over TCP per RFC 7766: length framing, pipelining, idle timeout and connection caps.
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <array>
#include <deque>
#include <memory>
#include <vector>

#include "sprout/core/driver.hpp"
#include "sprout/net/ares_channel.hpp"
#include "sprout/net/listener_health.hpp"

namespace sprout::net {

class Worker;

class TcpAcceptor : public std::enable_shared_from_this<TcpAcceptor> {
 public:
  TcpAcceptor(Worker& worker, int fd);
  void start();
  [[nodiscard]] const core::ListenerState& state() const noexcept { return health_.state(); }

 private:
  void accepted(asio::ip::tcp::socket socket);

  Worker& worker_;
  asio::ip::tcp::acceptor acceptor_;
  ListenerHealth health_;
};

class TcpConnection : public std::enable_shared_from_this<TcpConnection> {
 public:
  TcpConnection(Worker& worker, asio::ip::tcp::socket socket);
  ~TcpConnection();
  void start();
  // Queues one answer (any order: RFC 7766 allows out-of-order answers to pipelined queries).
  void send(std::span<const std::uint8_t> bytes);
  void query_dropped();

 private:
  void read_proxy_header();
  void read_length();
  void read_body(std::size_t length);
  void on_message(std::size_t length);
  void write_next();
  void arm_idle();
  void close();
  void query_finished();

  Worker& worker_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer idle_;
  config::IpAddress client_;
  std::array<std::uint8_t, 2> length_{};
  std::vector<std::uint8_t> body_;
  std::deque<std::vector<std::uint8_t>> out_;
  std::size_t out_bytes_ = 0;
  int inflight_ = 0;
  bool reading_ = false;
  bool writing_ = false;
  bool open_ = true;
};

}  // namespace sprout::net
