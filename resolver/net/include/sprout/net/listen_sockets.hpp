// Binding every listen address for every worker up front (before privileges are dropped).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sprout/config/config.hpp"
#include "sprout/net/worker.hpp"

namespace sprout::net {

struct BoundSockets {
  std::vector<WorkerSockets> per_worker;
  std::vector<config::Endpoint> endpoints;  // with the ports actually bound (port 0 resolved)
  std::vector<config::Endpoint> dot;        // the DoT listeners' endpoints, likewise
  std::vector<config::Endpoint> doh;        // the DoH listeners' endpoints, likewise
};

// Binds UDP and TCP sockets with SO_REUSEPORT for each worker on each endpoint. Port 0 picks
// one free port shared by UDP and TCP. Throws std::runtime_error naming the address and the
// system error when a bind fails; closes what it opened.
BoundSockets bind_listeners(const std::vector<config::Endpoint>& endpoints, std::size_t workers);

// Binds a TCP-only socket for each worker on each DoT and DoH listener (config order) into `out`.
// Throws like bind_listeners; the caller closes what was opened.
void bind_encrypted_listeners(const config::Config& cfg, BoundSockets& out);

void close_sockets(BoundSockets& sockets) noexcept;

// The family a bound socket was created with (for handing it to Asio).
bool is_ipv6_socket(int fd) noexcept;

// "udp 127.0.0.1:53": what a listener is called in logs, /health and /metrics.
std::string listener_name(std::string_view transport, int fd);

}  // namespace sprout::net
