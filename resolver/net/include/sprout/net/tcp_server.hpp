// DNS over TCP per RFC 7766: length framing, pipelining, idle timeout and connection caps.
// The same connection code serves DoT (RFC 7858): only the stream under it differs.
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sprout/core/driver.hpp"
#include "sprout/net/ares_channel.hpp"
#include "sprout/net/listener_health.hpp"
#include "sprout/net/tls_socket.hpp"

namespace sprout::net {

class Worker;
struct TlsServerContext;
struct ListenerLoad;

// A listening stream socket (TCP, DoT, DoH): accepts for ever, re-armed after errors, and
// hands each connection to `on_accept`, which applies that transport's caps.
class StreamAcceptor : public std::enable_shared_from_this<StreamAcceptor> {
 public:
  using OnAccept = std::function<void(asio::ip::tcp::socket)>;
  // `kind` names it in logs, /health and /metrics ("tcp", "dot", "doh").
  StreamAcceptor(Worker& worker, int fd, std::string_view kind, OnAccept on_accept);
  void start();
  [[nodiscard]] const core::ListenerState& state() const noexcept { return health_.state(); }

 private:
  asio::ip::tcp::acceptor acceptor_;
  ListenerHealth health_;
  OnAccept on_accept_;
};

// Plain TCP: at tcp.max_connections a new connection is closed at once.
void accept_tcp(Worker& worker, asio::ip::tcp::socket socket);

// What a connection's transport is, and the per-worker load it counts in.
struct StreamSettings {
  core::Transport transport = core::Transport::tcp;
  std::uint16_t listener = 0;  // DoT: index in config.dot
  int* open = nullptr;         // connections open on this listener (or all of TCP), per worker
};

// One DNS stream connection: plain TCP (Stream = tcp::socket) or DoT (Stream = TlsSocket).
template <class Stream>
class StreamConnection : public std::enable_shared_from_this<StreamConnection<Stream>> {
 public:
  StreamConnection(Worker& worker, Stream stream, StreamSettings settings);
  ~StreamConnection();
  void start();
  // DoT: the TLS handshake first (within the listener's limits), then start(). `tls` stays alive with us.
  void handshake(std::shared_ptr<const TlsServerContext> tls, ListenerLoad& load);
  // Queues one answer (any order: RFC 7766 allows out-of-order answers to pipelined queries).
  void send(std::span<const std::uint8_t> bytes);
  void query_dropped();

 private:
  void read_proxy_header();
  void read_messages();  // runs every complete message read (up to the in-flight cap), then reads on
  void on_message(std::span<const std::uint8_t> message);
  void write_next();
  void arm_idle();
  void touch() { last_active_ = std::chrono::steady_clock::now(); }
  void close();
  void query_finished();
  void handshake_done(const boost::system::error_code& ec);
  [[nodiscard]] std::chrono::milliseconds idle_timeout();

  Worker& worker_;
  Stream socket_;
  StreamSettings settings_;
  asio::steady_timer idle_;
  config::IpAddress client_;
  std::string client_id_;  // DoT: from the SNI, after the handshake
  std::shared_ptr<const TlsServerContext> tls_;
  std::vector<std::uint8_t> body_;  // the PROXY v2 header
  // What was read: pipelined queries arrive together (and a TLS record holds several), so one
  // read takes them all instead of two reads (length, message) per query.
  std::vector<std::uint8_t> in_;
  std::size_t in_have_ = 0;
  bool processing_ = false;  // inside read_messages(): an answer sent meanwhile must not re-enter it
  // Answers queued while a write is under way, or while one read's queries are being run, leave
  // together in the next write: one TLS record and one send for many pipelined answers.
  std::vector<std::uint8_t> queued_, in_write_;
  // The idle timer is not moved on every query and answer (a timer cancel and re-arm each):
  // when it fires it checks the last activity and waits out the rest.
  std::chrono::steady_clock::time_point last_active_{};
  int inflight_ = 0;
  bool reading_ = false;
  bool writing_ = false;
  bool open_ = true;
};

using TcpConnection = StreamConnection<asio::ip::tcp::socket>;
using TlsConnection = StreamConnection<TlsSocket>;

}  // namespace sprout::net
