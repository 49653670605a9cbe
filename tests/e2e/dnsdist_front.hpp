// dnsdist (PowerDNS) as a TLS-terminating upstream for e2e tests: its DoT frontend
// (addTLSLocal) in front of a fake upstream, on loopback, with security polling and the
// console off; stopped and started again on the same port to play an upstream restart.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "harness.hpp"

namespace sprout::e2e {

class DnsdistFront {
 public:
  // `certificate` and `key`: PEM files; `backend_port`: the fake upstream (UDP and TCP).
  DnsdistFront(const std::filesystem::path& dir, std::uint16_t backend_port, const std::filesystem::path& certificate,
               const std::filesystem::path& key);
  [[nodiscard]] std::uint16_t port() const { return tls_port_; }
  void start();  // on the same ports as before; returns once the DoT port accepts connections
  void stop();
  // Established connections on its DoT port now (what a client keeps open to it).
  [[nodiscard]] int connections() const;

 private:
  std::filesystem::path dir_;
  std::uint16_t tls_port_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace sprout::e2e
