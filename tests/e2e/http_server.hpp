// ListHttpServer: a one-thread HTTP server on 127.0.0.1 that answers every GET with one body,
// after an optional delay (a slow download), for tests of URL lists.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

namespace sprout::e2e {

class ListHttpServer {
 public:
  explicit ListHttpServer(std::string body, std::chrono::milliseconds delay = std::chrono::milliseconds(0));
  ~ListHttpServer();
  ListHttpServer(const ListHttpServer&) = delete;
  ListHttpServer& operator=(const ListHttpServer&) = delete;
  [[nodiscard]] std::uint16_t port() const { return port_; }
  // Requests accepted so far (counted before the delay, so a slow download shows at once).
  [[nodiscard]] int requests() const { return requests_; }

 private:
  void serve();
  std::string body_;
  std::chrono::milliseconds delay_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace sprout::e2e
