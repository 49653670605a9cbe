// OpenSSL on the socket itself for DoT and DoH: setup, teardown and the meaning of a failed call.
#include "sprout/net/tls_socket.hpp"

#include <sys/socket.h>

#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <cstdint>
#include <stdexcept>

namespace sprout::net {
namespace {

// OpenSSL's own socket BIO (SSL_set_fd) writes with write(2): a peer that has gone away would
// raise SIGPIPE and kill the server. This one sends with MSG_NOSIGNAL; like the socket BIO it
// reads and writes straight between the socket and OpenSSL's record buffers.
int fd_of(BIO* b) { return static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(b))); }

bool again() { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR; }

int bio_write(BIO* b, const char* data, int size) {
  BIO_clear_retry_flags(b);
  const ssize_t n = ::send(fd_of(b), data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
  if (n < 0 && again()) BIO_set_retry_write(b);
  return static_cast<int>(n);
}

int bio_read(BIO* b, char* data, int size) {
  BIO_clear_retry_flags(b);
  const ssize_t n = ::recv(fd_of(b), data, static_cast<std::size_t>(size), 0);
  if (n < 0 && again()) BIO_set_retry_read(b);
  return static_cast<int>(n);  // 0: the peer closed
}

long bio_ctrl(BIO* /*b*/, int cmd, long /*num*/, void* /*ptr*/) { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }

const BIO_METHOD* socket_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sprout socket");
    if (m == nullptr) return m;
    BIO_meth_set_write(m, bio_write);
    BIO_meth_set_read(m, bio_read);
    BIO_meth_set_ctrl(m, bio_ctrl);
    return m;
  }();
  return method;
}

}  // namespace

TlsSocket::TlsSocket(asio::ip::tcp::socket socket, asio::ssl::context& ctx)
    : socket_(std::move(socket)), ssl_(SSL_new(ctx.native_handle())) {
  if (ssl_ == nullptr) throw std::runtime_error("TLS: SSL_new failed");
  socket_.non_blocking(true);  // SSL_read/SSL_write must say WANT_READ/WANT_WRITE, never block the worker
  // Release: no 34 kB of record buffers held by an idle connection. Read ahead: one recv takes
  // what has arrived (several pipelined records), not a 5-byte header and then the body.
  SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_set_read_ahead(ssl_, 1);
  // The BIO never closes the descriptor: the Asio socket owns it.
  BIO* bio = socket_method() != nullptr ? BIO_new(socket_method()) : nullptr;
  if (bio == nullptr) {
    SSL_free(ssl_);
    throw std::runtime_error("TLS: BIO_new failed");
  }
  BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(socket_.native_handle())));
  BIO_set_init(bio, 1);
  SSL_set_bio(ssl_, bio, bio);  // one reference, owned by ssl_
  SSL_set_accept_state(ssl_);
}

TlsSocket::TlsSocket(TlsSocket&& other) noexcept : socket_(std::move(other.socket_)), ssl_(other.ssl_) {
  other.ssl_ = nullptr;
}

TlsSocket::~TlsSocket() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

// SSL_read returns one record per call, and a DoT client writes each pipelined query as its own
// record; with read ahead one recv brings many of them. Taking them all here lets the caller run
// them together and answer with one write (one record, one send), where one record per read
// meant one send per answer (strace: 1.0 sendto and 0.12 recvfrom per answer).
int TlsSocket::read_records(SSL* ssl, void* data, int size) {
  auto* const bytes = static_cast<unsigned char*>(data);
  int total = 0;
  do {
    const int r = SSL_read(ssl, bytes + total, size - total);
    if (r <= 0) return total > 0 ? total : r;  // a failure after data shows at the next call
    total += r;
  } while (total < size && SSL_has_pending(ssl) == 1);
  return total;
}

boost::system::error_code TlsSocket::failure(int result, asio::socket_base::wait_type& want) {
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ:
      want = asio::socket_base::wait_read;
      return {};
    case SSL_ERROR_WANT_WRITE:
      want = asio::socket_base::wait_write;
      return {};
    case SSL_ERROR_ZERO_RETURN:
      return asio::error::eof;  // the peer's close_notify
    case SSL_ERROR_SYSCALL:
      if (const unsigned long e = ERR_get_error(); e != 0) return {static_cast<int>(e), asio::error::get_ssl_category()};
      if (errno != 0 && result < 0) return {errno, boost::system::system_category()};
      return asio::ssl::error::stream_truncated;  // TCP closed without close_notify
    default:
      if (const unsigned long e = ERR_get_error(); e != 0) return {static_cast<int>(e), asio::error::get_ssl_category()};
      return asio::error::fault;
  }
}

}  // namespace sprout::net
