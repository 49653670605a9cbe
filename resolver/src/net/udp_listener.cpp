// UDP serving: non-blocking drain loop; blocked, refused and malformed answers never allocate.
#include "sprout/net/udp_listener.hpp"

#include "sprout/net/worker.hpp"

namespace sprout::net {
namespace {

constexpr int kMaxBatch = 64;  // datagrams per wakeup, so one busy socket can't starve the rest

class UdpReply final : public ReplySink {
 public:
  UdpReply(UdpListener& listener, const asio::ip::udp::endpoint& to) : listener_(listener), to_(to) {}
  void send(std::span<const std::uint8_t> bytes) override { listener_.send(to_, bytes); }
  void drop() override {}

 private:
  UdpListener& listener_;
  asio::ip::udp::endpoint to_;
};

}  // namespace

UdpListener::UdpListener(Worker& worker, int fd) : worker_(worker), socket_(worker.io()) {
  const int family = [&] {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    return ss.ss_family;
  }();
  socket_.assign(family == AF_INET6 ? asio::ip::udp::v6() : asio::ip::udp::v4(), fd);
  socket_.non_blocking(true);
}

void UdpListener::send(const asio::ip::udp::endpoint& to, std::span<const std::uint8_t> bytes) {
  boost::system::error_code ec;
  socket_.send_to(asio::buffer(bytes.data(), bytes.size()), to, 0, ec);  // full buffer: drop, like UDP does
}

void UdpListener::wait_readable() {
  socket_.async_wait(asio::ip::udp::socket::wait_read, [this](const boost::system::error_code& ec) {
    if (ec) return;
    drain();
    wait_readable();
  });
}

void UdpListener::drain() {
  for (int i = 0; i < kMaxBatch; ++i) {
    boost::system::error_code ec;
    const std::size_t n = socket_.receive_from(asio::buffer(rx_), from_, 0, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return;
    if (ec) continue;  // e.g. ICMP errors surfaced on the socket: keep serving
    worker_.counters().udp_queries.fetch_add(1, std::memory_order_relaxed);
    config::IpAddress client = to_ip(from_.address());
    std::span<const std::uint8_t> wire(rx_.data(), n);
    if (!worker_.unwrap_proxy(wire, client)) continue;
    switch (worker_.decide(wire, client, false)) {
      case resolver::Outcome::respond: send(from_, worker_.current().response()); break;
      case resolver::Outcome::forward: worker_.forward_current(std::make_unique<UdpReply>(*this, from_)); break;
      case resolver::Outcome::drop: break;
    }
  }
}

}  // namespace sprout::net
