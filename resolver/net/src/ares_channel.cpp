// c-ares integrated into Asio through the socket-state callback and ares_process_fd.
#include "sprout/net/ares_channel.hpp"

#include <arpa/inet.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace sprout::net {

struct AresChannel::Watch {
  Watch(asio::io_context& io, ares_socket_t fd) : descriptor(io, fd), fd(fd) {}
  asio::posix::stream_descriptor descriptor;  // never owns the fd: c-ares closes it
  ares_socket_t fd;
  bool want_read = false, want_write = false;
  bool reading = false, writing = false;
  bool alive = true;
};

namespace {

void fill_server(ares_addr_port_node& node, const config::Upstream& u) {
  std::memset(&node, 0, sizeof node);
  if (u.address.v4) {
    node.family = AF_INET;
    std::memcpy(&node.addr.addr4, &u.address.bytes[12], 4);
  } else {
    node.family = AF_INET6;
    std::memcpy(&node.addr.addr6, u.address.bytes.data(), 16);
  }
  node.udp_port = u.port;
  node.tcp_port = u.port;
}

void on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  std::unique_ptr<AresCallback> cb(static_cast<AresCallback*>(arg));
  std::span<std::uint8_t> answer;
  if (status == ARES_SUCCESS && abuf != nullptr && alen > 0) answer = {abuf, static_cast<std::size_t>(alen)};
  (*cb)(status, answer);
}

}  // namespace

AresChannel::AresChannel(asio::io_context& io, const config::Upstream& upstream)
    : io_(io), upstream_(upstream), timer_(io) {
  ares_options opts{};
  // c-ares' defaults (5 s x 4 tries) are far too slow for a forwarder: use the configured ones.
  opts.timeout = static_cast<int>(upstream.timeout.count());
  opts.tries = upstream.tries;
  opts.flags = ARES_FLAG_STAYOPEN | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
  opts.sock_state_cb = &AresChannel::on_sock_state;
  opts.sock_state_cb_data = this;
  const int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS | ARES_OPT_SOCK_STATE_CB;
  if (int rc = ares_init_options(&channel_, &opts, mask); rc != ARES_SUCCESS) {
    throw std::runtime_error(std::string("c-ares init: ") + ares_strerror(rc));
  }
  ares_addr_port_node server;
  fill_server(server, upstream);
  if (int rc = ares_set_servers_ports(channel_, &server); rc != ARES_SUCCESS) {
    ares_destroy(channel_);
    throw std::runtime_error(std::string("c-ares servers: ") + ares_strerror(rc));
  }
}

AresChannel::~AresChannel() {
  timer_.cancel();
  ares_destroy(channel_);  // pending callbacks run here with ARES_EDESTRUCTION
  for (auto& [fd, w] : watches_) {
    w->alive = false;
    w->descriptor.release();
  }
}

void AresChannel::send(std::span<const std::uint8_t> query, AresCallback callback) {
  auto* cb = new AresCallback(std::move(callback));
  ares_send(channel_, query.data(), static_cast<int>(query.size()), &on_answer, cb);
  arm_timer();
}

void AresChannel::on_sock_state(void* self, ares_socket_t fd, int readable, int writable) {
  static_cast<AresChannel*>(self)->sock_state(fd, readable != 0, writable != 0);
}

void AresChannel::sock_state(ares_socket_t fd, bool readable, bool writable) {
  auto it = watches_.find(fd);
  if (!readable && !writable) {
    // c-ares closes the fd right after this call: stop watching it without closing it.
    if (it == watches_.end()) return;
    it->second->alive = false;
    it->second->descriptor.release();
    watches_.erase(it);
    return;
  }
  if (it == watches_.end()) it = watches_.emplace(fd, std::make_shared<Watch>(io_, fd)).first;
  const std::shared_ptr<Watch> w = it->second;
  w->want_read = readable;
  w->want_write = writable;
  if (readable && !w->reading) wait(w, false);
  if (writable && !w->writing) wait(w, true);
}

void AresChannel::wait(const std::shared_ptr<Watch>& w, bool for_write) {
  (for_write ? w->writing : w->reading) = true;
  const auto kind = for_write ? asio::posix::stream_descriptor::wait_write : asio::posix::stream_descriptor::wait_read;
  w->descriptor.async_wait(kind, [this, w, for_write](const boost::system::error_code& ec) {
    (for_write ? w->writing : w->reading) = false;
    if (!w->alive || ec) return;  // the fd was handed back to c-ares (or the channel is closing)
    ares_process_fd(channel_, for_write ? ARES_SOCKET_BAD : w->fd, for_write ? w->fd : ARES_SOCKET_BAD);
    if (w->alive && (for_write ? w->want_write : w->want_read) && !(for_write ? w->writing : w->reading)) {
      wait(w, for_write);
    }
    arm_timer();
  });
}

void AresChannel::arm_timer() {
  timeval tv{};
  if (ares_timeout(channel_, nullptr, &tv) == nullptr) return;  // nothing pending
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(tv.tv_sec) +
                        std::chrono::microseconds(tv.tv_usec);
  // Re-arming per query would cost a timer cancel each time; only move the timer earlier.
  if (deadline >= timer_deadline_) return;
  timer_deadline_ = deadline;
  timer_.expires_at(deadline);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    timer_deadline_ = std::chrono::steady_clock::time_point::max();
    ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    arm_timer();
  });
}

}  // namespace sprout::net
