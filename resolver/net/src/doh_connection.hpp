// Internal: one DoH connection. The TLS handshake and what both HTTP versions share live in
// doh_connection.cpp; HTTP/1.1 in doh_http1.cpp, HTTP/2 in doh_http2.cpp.
// Memory per idle connection is what a phone or browser keeping DoH open costs: TLS runs on
// TlsSocket (no engine buffers), and no read buffer is held while waiting for a request (see
// when_readable).
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <nghttp2/nghttp2.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/vector_body.hpp>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sprout/core/doh_request.hpp"
#include "sprout/net/tcp_server.hpp"
#include "sprout/net/tls_context.hpp"
#include "sprout/net/worker.hpp"

namespace sprout::net {

class DohConnection : public std::enable_shared_from_this<DohConnection> {
 public:
  // `tls` null: plain HTTP behind a proxy that terminated TLS (the socket is used as it is).
  DohConnection(Worker& worker, asio::ip::tcp::socket tcp, std::size_t listener,
                std::shared_ptr<const TlsServerContext> tls);
  ~DohConnection();
  void start();  // the handshake, then the HTTP version ALPN chose

  // The driver's outcome for request `stream` (HTTP/2 stream ID; 0: the HTTP/1.1 request).
  void answered(std::int32_t stream, std::span<const std::uint8_t> dns);
  void dropped(std::int32_t stream);

  // HTTP/2 session callbacks (doh_http2.cpp) reach the streams through these.
  struct H2Stream {
    std::string method, path, content_type;
    std::string forwarded;  // X-Forwarded-For, every field joined (plain HTTP: h2c behind a proxy)
    std::vector<std::uint8_t> body;
    bool body_too_large = false;
    std::vector<std::uint8_t> response;
    std::size_t sent = 0;
  };
  H2Stream* h2_stream(std::int32_t id);
  void h2_open_stream(std::int32_t id) { h2_streams_.try_emplace(id); }
  void h2_close_stream(std::int32_t id) { h2_streams_.erase(id); }
  void h2_request(std::int32_t id);

 private:
  void handshake_done(const boost::system::error_code& ec);
  // Both versions: parse, refuse with a status, or run the query.
  void dispatch(std::int32_t stream, const core::DohRequest& request);
  void respond(std::int32_t stream, int status, std::span<const std::uint8_t> body, std::string_view type,
               std::optional<std::uint32_t> max_age);
  void refuse(std::int32_t stream, int status, std::string_view reason);
  void arm_idle();
  void linger();  // after the last response: half-close, drain, then close
  void drain();
  void close();
  [[nodiscard]] bool plain() const noexcept { return tls_ == nullptr; }
  // HTTP's I/O runs on the TLS stream, or on the TCP socket itself for plain HTTP.
  template <class F>
  void with_stream(F&& f) {
    std::visit([&f](auto& stream) { f(stream); }, stream_);
  }
  asio::ip::tcp::socket& socket();
  // Calls `f(ec)` once a read would find bytes: TLS already holds some (read ahead), or the
  // socket has some (asked first: under load a request is usually there, and a wait costs an
  // epoll_ctl and a loop round), or when it becomes readable. Reading only then, an idle
  // connection holds no read buffer.
  template <class F>
  void when_readable(F&& f) {
    TlsSocket* tls = std::get_if<TlsSocket>(&stream_);
    boost::system::error_code ec;
    if ((tls != nullptr && SSL_has_pending(tls->native_handle()) == 1) || socket().available(ec) > 0) return f(ec);
    socket().async_wait(asio::socket_base::wait_read, std::forward<F>(f));
  }
  asio::mutable_buffer input();  // the read buffer, allocated for one read and its processing
  void release_input() { std::vector<std::uint8_t>().swap(in_); }
  // Plain HTTP: every request names its client anew (a proxy reuses one connection for many).
  void set_client(std::string_view forwarded);
  void plain_sniff();  // plain HTTP: HTTP/1.1, or HTTP/2 with prior knowledge (h2c)

  void h1_read();
  void h1_request(const boost::system::error_code& ec);
  void h1_respond(int status, std::span<const std::uint8_t> body, std::string_view type, std::optional<std::uint32_t> max_age);

  void h2_start();
  void h2_read();
  void h2_received(std::size_t n);
  [[nodiscard]] bool h2_feed(const std::uint8_t* data, std::size_t n);
  void h2_flush();
  void h2_respond(std::int32_t id, int status, std::span<const std::uint8_t> body, std::string_view type,
                  std::optional<std::uint32_t> max_age);

  Worker& worker_;
  std::variant<asio::ip::tcp::socket, TlsSocket> stream_;
  std::size_t listener_;
  ListenerLoad& load_;
  std::shared_ptr<const TlsServerContext> tls_;  // null: plain HTTP behind a proxy
  asio::steady_timer timer_;  // handshake timeout, then idle timeout
  config::IpAddress peer_;    // the TCP peer
  config::IpAddress client_;  // whom the request is for: the peer, or X-Forwarded-For from a trusted proxy
  std::string sni_id_;        // the client ID the SNI named, when the path names none
  int inflight_ = 0;          // queries awaiting their answer
  bool open_ = true;
  bool writing_ = false;
  std::vector<std::uint8_t> in_;  // HTTP/2's and drain()'s reads (Beast reads into h1_buffer_)

  // HTTP/1.1: one request at a time.
  boost::beast::flat_buffer h1_buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::vector_body<std::uint8_t>>> h1_parser_;
  std::optional<boost::beast::http::response<boost::beast::http::vector_body<std::uint8_t>>> h1_response_;
  bool h1_keep_alive_ = true;

  // HTTP/2: concurrent streams, answered in any order.
  nghttp2_session* h2_ = nullptr;
  std::map<std::int32_t, H2Stream> h2_streams_;
  std::vector<std::uint8_t> h2_out_;
  bool h2_in_recv_ = false;  // inside nghttp2_session_mem_recv: no mem_send from its callbacks
};

}  // namespace sprout::net
