/* The DoT floor for the encrypted bench: the least a DoT server can do per answer on this
 * kernel and OpenSSL. No Sprout code: one thread, epoll, OpenSSL on non-blocking sockets; it
 * reads framed queries (RFC 7858/7766) and answers each with a canned NXDOMAIN made from the
 * query's ID, RD bit and question. All answers of one read leave in one SSL_write (one TLS
 * record, one send), as Sprout's TlsSocket does. Bench only, never part of a test run.
 * usage: dot-floor PORT_FILE CERT.pem KEY.pem   (binds 127.0.0.1:0, writes the port)
 * Levers for the bench, from the environment: FLOOR_CIPHERSUITES (TLS 1.3 suites in the
 * server's order of preference, e.g. TLS_CHACHA20_POLY1305_SHA256), FLOOR_ONE_READ=1 (stop
 * reading when OpenSSL holds no more data instead of reading on to EAGAIN: epoll is level
 * triggered and says when more has come), FLOOR_NODELAY=0 (leave Nagle on). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { kIn = 65536, kOut = 131072 };

struct conn {
  int fd;
  SSL* ssl;
  unsigned char in[kIn];
  size_t have;
  unsigned char out[kOut];
  size_t out_len;  /* answers not yet taken by SSL_write (it would block) */
  int watching_out;
};

static int one_read;

static void die(const char* what) {
  perror(what);
  ERR_print_errors_fp(stderr);
  exit(1);
}

/* The NXDOMAIN for one query: header (ID and RD kept, QR RA set, rcode 3), the question
 * copied. Returns its length, 0 for a query without one whole question. */
static size_t answer(const unsigned char* q, size_t n, unsigned char* a) {
  size_t at = 12;
  if (n < 12 || q[4] != 0 || q[5] != 1) return 0;
  while (at < n && q[at] != 0) {
    if (q[at] > 63) return 0;
    at += 1u + q[at];
  }
  at += 5; /* the root label, type, class */
  if (at > n) return 0;
  memcpy(a, q, at);
  a[2] = (unsigned char)(0x80 | (q[2] & 0x01));
  a[3] = 0x83;
  memset(a + 6, 0, 6); /* no answer, authority or additional records */
  return at;
}

static void drop(int ep, struct conn* c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  SSL_free(c->ssl);
  close(c->fd);
  free(c);
}

/* Takes every complete query read; 0 when the connection must close. */
static int run_queries(struct conn* c) {
  size_t used = 0;
  while (c->have - used >= 2) {
    const size_t len = (size_t)c->in[used] << 8 | c->in[used + 1];
    if (c->have - used - 2 < len) break;
    if (c->out_len + 2 + len > kOut) return 0; /* a client that never reads */
    const size_t a = answer(c->in + used + 2, len, c->out + c->out_len + 2);
    if (a == 0) return 0;
    c->out[c->out_len] = (unsigned char)(a >> 8);
    c->out[c->out_len + 1] = (unsigned char)a;
    c->out_len += 2 + a;
    used += 2 + len;
  }
  memmove(c->in, c->in + used, c->have - used);
  c->have -= used;
  return c->have < kIn;
}

/* Switches EPOLLOUT on while answers wait for room, off when all are out. */
static void watch_out(int ep, struct conn* c, int on) {
  if (c->watching_out == on) return;
  struct epoll_event ev = {.events = on ? EPOLLIN | EPOLLOUT : EPOLLIN, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
  c->watching_out = on;
}

/* Writes what is queued; 1: all out or waiting for room, 0: broken. */
static int flush(int ep, struct conn* c) {
  if (c->out_len == 0) return 1;
  ERR_clear_error();
  const int n = SSL_write(c->ssl, c->out, (int)c->out_len);
  if (n > 0) {
    memmove(c->out, c->out + n, c->out_len - (size_t)n);
    c->out_len -= (size_t)n;
  } else if (SSL_get_error(c->ssl, n) != SSL_ERROR_WANT_WRITE && SSL_get_error(c->ssl, n) != SSL_ERROR_WANT_READ) {
    return 0;
  }
  watch_out(ep, c, c->out_len > 0);
  return 1;
}

/* Reads until the socket is empty (handshake first), answers, writes once. */
static void serve(int ep, struct conn* c) {
  for (;;) {
    ERR_clear_error();
    const int n = SSL_read(c->ssl, c->in + c->have, (int)(kIn - c->have));
    if (n > 0) {
      c->have += (size_t)n;
      if (!run_queries(c)) return drop(ep, c);
      if (one_read && !SSL_has_pending(c->ssl) && SSL_is_init_finished(c->ssl)) break;
      continue;
    }
    const int e = SSL_get_error(c->ssl, n);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) break;
    return drop(ep, c);
  }
  if (!flush(ep, c)) drop(ep, c);
}

static int listen_on(const char* port_file) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof sa;
  if (fd < 0 || bind(fd, (struct sockaddr*)&sa, sizeof sa) != 0 || listen(fd, 1024) != 0) die("listen");
  if (getsockname(fd, (struct sockaddr*)&sa, &len) != 0) die("getsockname");
  FILE* f = fopen(port_file, "w");
  if (f == NULL) die(port_file);
  fprintf(f, "%d\n", ntohs(sa.sin_port));
  fclose(f);
  return fd;
}

static void accept_all(int ep, int lfd, SSL_CTX* ctx) {
  for (;;) {
    const int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
    if (fd < 0) return;
    const char* nodelay = getenv("FLOOR_NODELAY");
    const int on = nodelay == NULL || strcmp(nodelay, "0") != 0;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    struct conn* c = calloc(1, sizeof *c);
    if (c == NULL || (c->ssl = SSL_new(ctx)) == NULL) die("SSL_new");
    c->fd = fd;
    SSL_set_fd(c->ssl, fd);
    SSL_set_accept_state(c->ssl);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl");
  }
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s PORT_FILE CERT.pem KEY.pem\n", argv[0]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN); /* a client gone mid-write: the write fails, the process lives */
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, argv[2]) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, argv[3], SSL_FILETYPE_PEM) != 1)
    die("certificate");
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_read_ahead(ctx, 1);
  const char* suites = getenv("FLOOR_CIPHERSUITES");
  if (suites != NULL && SSL_CTX_set_ciphersuites(ctx, suites) != 1) die("FLOOR_CIPHERSUITES");
  SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  one_read = getenv("FLOOR_ONE_READ") != NULL && strcmp(getenv("FLOOR_ONE_READ"), "1") == 0;
  const int lfd = listen_on(argv[1]);
  const int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) != 0) die("epoll");
  struct epoll_event events[256];
  for (;;) {
    const int n = epoll_wait(ep, events, 256, -1);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    for (int i = 0; i < n; ++i) {
      if (events[i].data.ptr == NULL) accept_all(ep, lfd, ctx);
      else serve(ep, events[i].data.ptr);
    }
  }
}
