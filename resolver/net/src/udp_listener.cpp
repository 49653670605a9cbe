// UDP serving: blocked, cached, refused and malformed answers are built straight into the
// send batch, so the synchronous path costs two syscalls per batch and no allocation.
#include "sprout/net/udp_listener.hpp"

#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "sprout/core/log.hpp"
#include "sprout/net/listen_sockets.hpp"
#include "sprout/net/worker.hpp"

namespace sprout::net {
namespace {

constexpr int kMaxBatchesPerWakeup = 4;  // so one busy socket cannot starve the others

// An answer that comes back from upstream later: sent on its own.
class UdpReply final : public core::Responder {
 public:
  UdpReply(UdpListener& listener, const asio::ip::udp::endpoint& to) : listener_(listener), to_(to) {}
  void send(std::span<const std::uint8_t> bytes) override { listener_.send(to_, bytes); }
  void drop() override {}
  std::unique_ptr<core::Responder> detach() override { return std::make_unique<UdpReply>(listener_, to_); }

 private:
  UdpListener& listener_;
  asio::ip::udp::endpoint to_;
};

config::IpAddress peer_address(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    return config::IpAddress::from_v4(reinterpret_cast<const std::uint8_t*>(&reinterpret_cast<const sockaddr_in&>(ss).sin_addr));
  }
  return config::IpAddress::from_v6(reinterpret_cast<const std::uint8_t*>(&reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr));
}

asio::ip::udp::endpoint peer_endpoint(const sockaddr_storage& ss, socklen_t len) {
  asio::ip::udp::endpoint ep;
  std::memcpy(ep.data(), &ss, len);
  ep.resize(len);
  return ep;
}

}  // namespace

UdpListener::UdpListener(Worker& worker, int fd)
    : worker_(worker), socket_(worker.io()), health_(worker.io(), listener_name("udp", fd)) {
  socket_.assign(is_ipv6_socket(fd) ? asio::ip::udp::v6() : asio::ip::udp::v4(), fd);
  socket_.non_blocking(true);
  for (std::size_t i = 0; i < kBatch; ++i) {
    batch_->rx_iov[i] = {batch_->rx[i].data(), kBufferSize};
  }
}

void UdpListener::send(const asio::ip::udp::endpoint& to, std::span<const std::uint8_t> bytes) {
  boost::system::error_code ec;
  socket_.send_to(asio::buffer(bytes.data(), bytes.size()), to, 0, ec);  // full buffer: drop, like UDP does
}

void UdpListener::wait_readable() {
  socket_.async_wait(asio::ip::udp::socket::wait_read, [this](const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;  // shutting down
    health_.woke();
    // Re-armed whatever happens below (after a pause on errors): a listener that stops
    // reading is a deaf resolver; one that is not re-armed shows in /health.
    if (ec) return health_.failed(ec.value(), "wait: " + ec.message(), [this] { wait_readable(); });
    try {
      receive_error_ = 0;
      for (int i = 0; i < kMaxBatchesPerWakeup && drain_once(); ++i) {
      }
    } catch (const std::exception& e) {
      return health_.failed(0, e.what(), [this] { wait_readable(); });
    }
    if (receive_error_ != 0) {
      return health_.failed(receive_error_, "receive: " + std::error_code(receive_error_, std::generic_category()).message(),
                            [this] { wait_readable(); });
    }
    wait_readable();
  });
  health_.armed();
}

bool UdpListener::drain_once() {
  Batch& b = *batch_;
  for (std::size_t i = 0; i < kBatch; ++i) {
    b.rx_msg[i] = {};
    b.rx_msg[i].msg_hdr.msg_name = &b.peer[i];
    b.rx_msg[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    b.rx_msg[i].msg_hdr.msg_iov = &b.rx_iov[i];
    b.rx_msg[i].msg_hdr.msg_iovlen = 1;
  }
  const int n = ::recvmmsg(socket_.native_handle(), b.rx_msg.data(), kBatch, MSG_DONTWAIT, nullptr);
  if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) receive_error_ = errno;
  if (n <= 0) return false;
  health_.succeeded();
  std::size_t replies = 0;
  for (int i = 0; i < n; ++i) handle(static_cast<std::size_t>(i), b.rx_msg[i].msg_len, replies);
  std::size_t sent = 0;
  while (sent < replies) {  // a full socket buffer drops the rest, as UDP would
    const int m = ::sendmmsg(socket_.native_handle(), &b.tx_msg[sent], static_cast<unsigned>(replies - sent), MSG_DONTWAIT);
    if (m <= 0) break;
    sent += static_cast<std::size_t>(m);
  }
  return static_cast<std::size_t>(n) == kBatch;
}

// A synchronous answer is built in the batch's next send slot and goes out with the batch.
class SlotResponder final : public core::Responder {
 public:
  SlotResponder(UdpListener& l, std::size_t slot, std::size_t& replies) : l_(l), slot_(slot), replies_(replies) {}
  std::span<std::uint8_t> buffer() noexcept override { return l_.batch_->tx[replies_]; }
  void send(std::span<const std::uint8_t> answer) override {
    UdpListener::Batch& b = *l_.batch_;
    auto& out = b.tx[replies_];
    if (answer.size() > out.size()) return;
    if (answer.data() != out.data()) std::memcpy(out.data(), answer.data(), answer.size());
    b.tx_iov[replies_] = {out.data(), answer.size()};
    b.tx_msg[replies_] = {};
    b.tx_msg[replies_].msg_hdr.msg_name = &b.peer[slot_];
    b.tx_msg[replies_].msg_hdr.msg_namelen = b.rx_msg[slot_].msg_hdr.msg_namelen;
    b.tx_msg[replies_].msg_hdr.msg_iov = &b.tx_iov[replies_];
    b.tx_msg[replies_].msg_hdr.msg_iovlen = 1;
    ++replies_;
  }
  void drop() override {}
  std::unique_ptr<core::Responder> detach() override {
    const UdpListener::Batch& b = *l_.batch_;
    return std::make_unique<UdpReply>(l_, peer_endpoint(b.peer[slot_], b.rx_msg[slot_].msg_hdr.msg_namelen));
  }

 private:
  UdpListener& l_;
  std::size_t slot_;
  std::size_t& replies_;
};

void UdpListener::handle(std::size_t slot, std::size_t length, std::size_t& replies) {
  SlotResponder responder(*this, slot, replies);
  const config::IpAddress client = peer_address(batch_->peer[slot]);
  worker_.driver().run(std::span<const std::uint8_t>(batch_->rx[slot].data(), length), client, core::Transport::udp,
                       responder);
}

}  // namespace sprout::net
