// ListHttpServer: accept, read the request, wait, answer 200 with the body, close.
#include "http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sprout::e2e {

ListHttpServer::ListHttpServer(std::string body, std::chrono::milliseconds delay)
    : body_(std::move(body)), delay_(delay) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(fd_, 8);
  socklen_t len = sizeof a;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { serve(); });
}

ListHttpServer::~ListHttpServer() {
  ::shutdown(fd_, SHUT_RDWR);  // accept() fails: serve() returns
  ::close(fd_);
  thread_.join();
}

void ListHttpServer::serve() {
  for (;;) {
    const int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    ++requests_;
    char buf[4096];
    (void)::recv(c, buf, sizeof buf, 0);
    std::this_thread::sleep_for(delay_);
    const std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nETag: \"v1\"\r\nContent-Length: " +
                              std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
    (void)::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::close(c);
  }
}

}  // namespace sprout::e2e
