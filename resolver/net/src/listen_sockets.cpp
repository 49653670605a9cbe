// Raw socket setup: SO_REUSEPORT so each worker has its own sockets and the kernel spreads load.
#include "sprout/net/listen_sockets.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace sprout::net {
namespace {

constexpr int kTcpBacklog = 1024;
constexpr int kUdpBuffer = 4 << 20;

socklen_t to_sockaddr(const config::Endpoint& e, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  if (e.address.v4) {
    auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(e.port);
    std::memcpy(&sa->sin_addr, &e.address.bytes[12], 4);
    return sizeof(sockaddr_in);
  }
  auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
  sa->sin6_family = AF_INET6;
  sa->sin6_port = htons(e.port);
  std::memcpy(&sa->sin6_addr, e.address.bytes.data(), 16);
  return sizeof(sockaddr_in6);
}

[[noreturn]] void fail(const char* what, const config::Endpoint& e, int err) {
  throw std::runtime_error(std::string("cannot ") + what + " " + e.to_string() + ": " + std::strerror(err));
}

// Returns a bound socket; for TCP also listening.
int open_socket(const config::Endpoint& e, bool tcp) {
  sockaddr_storage ss;
  const socklen_t len = to_sockaddr(e, ss);
  const int fd = ::socket(ss.ss_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("create a socket for", e, errno);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (tcp) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (ss.ss_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (!tcp) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kUdpBuffer, sizeof kUdpBuffer);  // best effort
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || (tcp && ::listen(fd, kTcpBacklog) != 0)) {
    const int err = errno;
    ::close(fd);
    fail(tcp ? "listen on tcp" : "listen on udp", e, err);
  }
  return fd;
}

sockaddr_storage local_address(int fd) noexcept {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return ss;
}

std::uint16_t bound_port(int fd) {
  sockaddr_storage ss = local_address(fd);
  return ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

// Port 0: find a port free for both UDP and TCP, retrying when TCP's is taken.
std::pair<int, int> open_pair(config::Endpoint& e) {
  for (int attempt = 0;; ++attempt) {
    config::Endpoint probe = e;
    const int udp = open_socket(probe, false);
    probe.port = bound_port(udp);
    try {
      const int tcp = open_socket(probe, true);
      e = probe;
      return {udp, tcp};
    } catch (const std::runtime_error&) {
      ::close(udp);
      if (e.port != 0 || attempt > 20) throw;
    }
  }
}

}  // namespace

BoundSockets bind_listeners(const std::vector<config::Endpoint>& endpoints, std::size_t workers) {
  BoundSockets out;
  out.endpoints = endpoints;
  out.per_worker.resize(workers);
  try {
    for (config::Endpoint& e : out.endpoints) {
      const auto [udp, tcp] = open_pair(e);
      out.per_worker[0].udp.push_back(udp);
      out.per_worker[0].tcp.push_back(tcp);
      for (std::size_t w = 1; w < workers; ++w) {
        out.per_worker[w].udp.push_back(open_socket(e, false));
        out.per_worker[w].tcp.push_back(open_socket(e, true));
      }
    }
  } catch (...) {
    close_sockets(out);
    throw;
  }
  return out;
}

void bind_encrypted_listeners(const config::Config& cfg, BoundSockets& out) {
  auto bind = [&](const std::vector<config::EncryptedListener>& listeners, std::vector<int> WorkerSockets::*fds,
                  std::vector<config::Endpoint>& bound) {
    for (const config::EncryptedListener& l : listeners) {
      config::Endpoint e = l.endpoint;
      for (WorkerSockets& w : out.per_worker) {
        (w.*fds).push_back(open_socket(e, true));
        e.port = bound_port((w.*fds).back());  // port 0: the first worker's choice, shared by the rest
      }
      bound.push_back(e);
    }
  };
  bind(cfg.dot, &WorkerSockets::dot, out.dot);
  bind(cfg.doh, &WorkerSockets::doh, out.doh);
}

bool is_ipv6_socket(int fd) noexcept { return local_address(fd).ss_family == AF_INET6; }

std::string listener_name(std::string_view transport, int fd) {
  const sockaddr_storage ss = local_address(fd);
  config::Endpoint at;
  if (ss.ss_family == AF_INET) {
    const auto& sa = reinterpret_cast<const sockaddr_in&>(ss);
    at = {config::IpAddress::from_v4(reinterpret_cast<const std::uint8_t*>(&sa.sin_addr)), ntohs(sa.sin_port)};
  } else {
    const auto& sa = reinterpret_cast<const sockaddr_in6&>(ss);
    at = {config::IpAddress::from_v6(reinterpret_cast<const std::uint8_t*>(&sa.sin6_addr)), ntohs(sa.sin6_port)};
  }
  return std::string(transport) + " " + at.to_string();
}

void close_sockets(BoundSockets& sockets) noexcept {
  for (auto& w : sockets.per_worker) {
    for (int fd : w.udp) ::close(fd);
    for (int fd : w.tcp) ::close(fd);
    for (int fd : w.dot) ::close(fd);
    for (int fd : w.doh) ::close(fd);
    w.udp.clear();
    w.tcp.clear();
    w.dot.clear();
    w.doh.clear();
  }
}

}  // namespace sprout::net
