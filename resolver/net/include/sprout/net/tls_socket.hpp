// A server TLS stream that runs OpenSSL directly on the non-blocking socket (DoT's and DoH's stream).
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <cstddef>

namespace sprout::net {

namespace asio = boost::asio;

// Why not asio::ssl::stream: its engine passes every byte through a BIO pair and its own 17 kB
// input and output buffers (two copies each way, and 34 kB+ per connection even when idle).
// Here SSL_read/SSL_write work on the socket itself; on WANT_READ/WANT_WRITE the operation
// waits for the socket and retries. SSL_MODE_RELEASE_BUFFERS frees OpenSSL's record buffers
// between records, so an idle connection holds little more than its SSL object.
// The same surface as asio::ssl::stream where StreamConnection, DoH and the handshake use it: an
// AsyncReadStream/AsyncWriteStream (asio::async_write, Beast's http::async_read/async_write and
// nghttp2's byte shuttling work on it), async_handshake,
// lowest_layer(), native_handle(). One read and one write may be in flight at once, as on a
// socket; all on one thread (a worker's io_context).
class TlsSocket {
 public:
  using executor_type = asio::ip::tcp::socket::executor_type;
  using lowest_layer_type = asio::ip::tcp::socket;

  TlsSocket(asio::ip::tcp::socket socket, asio::ssl::context& ctx);  // throws when OpenSSL cannot make it
  TlsSocket(TlsSocket&& other) noexcept;
  TlsSocket& operator=(TlsSocket&&) = delete;
  ~TlsSocket();

  executor_type get_executor() { return socket_.get_executor(); }
  lowest_layer_type& lowest_layer() { return socket_; }
  SSL* native_handle() { return ssl_; }

  // Server side only (`type` must be server): DoT and DoH listeners.
  // The three operations take any Asio 1.18 completion token (a handler, Beast's and
  // asio::async_write's composed operations, use_awaitable): async_initiate turns it into the
  // handler `run` completes.
  template <class Token>
  auto async_handshake(asio::ssl::stream_base::handshake_type /*server*/, Token&& token) {
    return asio::async_initiate<Token, void(boost::system::error_code)>(
        [this](auto handler) {
          run([](SSL* ssl) { return SSL_do_handshake(ssl); },
              [h = std::move(handler)](const boost::system::error_code& ec, std::size_t) mutable { h(ec); }, true);
        },
        token);
  }

  template <class Buffers, class Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    const auto b = first_buffer<asio::mutable_buffer>(buffers);
    return asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this, b](auto handler) {
          run([b](SSL* ssl) { return read_records(ssl, b.data(), clamp(b.size())); }, std::move(handler), b.size() > 0);
        },
        token);
  }

  template <class Buffers, class Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    const auto b = first_buffer<asio::const_buffer>(buffers);
    return asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this, b](auto handler) {
          run([b](SSL* ssl) { return SSL_write(ssl, b.data(), clamp(b.size())); }, std::move(handler), b.size() > 0);
        },
        token);
  }

 private:
  // One TLS call moves one contiguous block: the sequence's first buffer (empty when none),
  // as the *_some contract allows.
  template <class Buffer, class Buffers>
  static Buffer first_buffer(const Buffers& buffers) {
    const auto begin = asio::buffer_sequence_begin(buffers);
    return begin == asio::buffer_sequence_end(buffers) ? Buffer() : Buffer(*begin);
  }
  static int clamp(std::size_t n) { return n > (1u << 30) ? (1 << 30) : static_cast<int>(n); }
  // SSL_read for every record OpenSSL already holds, up to `size` bytes (SSL_read's result when
  // the first read fails).
  static int read_records(SSL* ssl, void* data, int size);
  // What a failed SSL call means: 0 = wait for `want` and retry, else the error to complete with.
  boost::system::error_code failure(int result, asio::socket_base::wait_type& want);

  // Calls `op` until it succeeds or fails for good, waiting on the socket in between. A call
  // with nothing to do (`work` false) completes with 0 bytes. The handler never runs inside
  // the initiating call (posted when the first try settles it), as Asio requires.
  template <class Op, class Handler>
  void run(Op op, Handler&& handler, bool work, bool first = true) {
    boost::system::error_code ec;
    std::size_t n = 0;
    asio::socket_base::wait_type want = asio::socket_base::wait_read;
    if (!socket_.is_open()) {
      ec = asio::error::bad_descriptor;  // closed under us (timeout, close()): the fd may be reused
    } else if (work) {
      ERR_clear_error();  // SSL_get_error reads the thread's error queue
      const int r = op(ssl_);
      if (r > 0) n = static_cast<std::size_t>(r);
      else if (ec = failure(r, want); !ec) {
        socket_.async_wait(want, [this, op, h = std::forward<Handler>(handler)](const boost::system::error_code& wait_ec) mutable {
          if (wait_ec) return h(wait_ec, std::size_t{0});
          run(op, std::move(h), true, false);
        });
        return;
      }
    }
    if (!first) return handler(ec, n);
    asio::post(socket_.get_executor(), [h = std::forward<Handler>(handler), ec, n]() mutable { h(ec, n); });
  }

  asio::ip::tcp::socket socket_;
  SSL* ssl_ = nullptr;
};

}  // namespace sprout::net
