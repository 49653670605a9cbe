// DoH over HTTP/1.1 (Beast), for clients without HTTP/2; and, on a plain-HTTP listener, telling
// HTTP/1.1 from HTTP/2 with prior knowledge (h2c) and the client a trusted proxy names.
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <boost/range/iterator_range.hpp>

#include "doh_connection.hpp"
#include "sprout/core/forwarded_for.hpp"

namespace sprout::net {
namespace {

namespace http = boost::beast::http;

constexpr std::uint32_t kMaxHeaderBytes = 8192;

std::string_view view(boost::beast::string_view s) { return {s.data(), s.size()}; }

}  // namespace

void DohConnection::h1_read() {
  if (!open_) return;
  h1_parser_.emplace();
  h1_parser_->body_limit(core::kMaxDohMessage);
  h1_parser_->header_limit(kMaxHeaderBytes);
  arm_idle();
  const auto read = [self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || !self->open_) return self->close();
    self->with_stream([&self](auto& stream) {
      http::async_read(stream, self->h1_buffer_, *self->h1_parser_,
                       [self](const boost::system::error_code& e, std::size_t) { self->h1_request(e); });
    });
  };
  if (h1_buffer_.size() > 0) return read({});  // the next request is already here (pipelined)
  h1_buffer_.shrink_to_fit();  // idle: no read buffer until bytes arrive
  when_readable(read);
}

void DohConnection::set_client(std::string_view forwarded) {
  if (!plain()) return;
  const auto& trusted = worker_.encrypted_listener(core::Transport::doh, listener_).trusted_proxies;
  const core::ForwardedClient c = core::forwarded_client(peer_, forwarded, trusted);
  if (c.status == core::ForwardedStatus::untrusted || c.status == core::ForwardedStatus::malformed) {
    worker_.counters().transport(core::Transport::doh).forwarded_ignored.fetch_add(1, std::memory_order_relaxed);
  }
  client_ = c.client;
}

// A proxy that speaks HTTP/2 to its backends without TLS (HAProxy's `proto h2`) starts with
// HTTP/2's client preface: there is no ALPN to ask. Reads until the first bytes match the
// preface or cannot; they stay in h1_buffer_ for whichever version reads next.
void DohConnection::plain_sniff() {
  constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  const std::string_view have(static_cast<const char*>(h1_buffer_.data().data()), h1_buffer_.size());
  const std::size_t n = std::min(have.size(), kPreface.size());
  if (have.substr(0, n) != kPreface.substr(0, n)) return h1_read();
  if (n == kPreface.size()) return h2_start();
  arm_idle();
  socket().async_read_some(h1_buffer_.prepare(kPreface.size() - n),
                           [self = shared_from_this()](const boost::system::error_code& ec, std::size_t got) {
                             if (ec || !self->open_) return self->close();
                             self->h1_buffer_.commit(got);
                             self->plain_sniff();
                           });
}

void DohConnection::h1_request(const boost::system::error_code& ec) {
  if (ec == http::error::body_limit) {
    h1_keep_alive_ = false;  // the rest of the body is still unread: answer, then close
    worker_.counters().transport(core::Transport::doh).errors.fetch_add(1, std::memory_order_relaxed);
    return refuse(0, 413, "a DNS message is at most 65535 bytes");
  }
  if (ec) return close();  // end of stream, a timeout, or not HTTP at all
  const auto& req = h1_parser_->get();
  h1_keep_alive_ = req.keep_alive();
  std::string forwarded;
  for (const auto& f : boost::make_iterator_range(req.equal_range("X-Forwarded-For"))) {
    if (!forwarded.empty()) forwarded += ',';
    forwarded.append(f.value().data(), f.value().size());
  }
  set_client(forwarded);
  const core::DohRequest request{view(req.method_string()), view(req.target()), view(req[http::field::content_type]),
                                 req.body()};
  dispatch(0, request);
}

void DohConnection::h1_respond(int status, std::span<const std::uint8_t> body, std::string_view type,
                               std::optional<std::uint32_t> max_age) {
  h1_response_.emplace(static_cast<http::status>(status), 11);
  auto& res = *h1_response_;
  res.set(http::field::content_type, boost::beast::string_view(type.data(), type.size()));
  if (max_age) res.set(http::field::cache_control, "max-age=" + std::to_string(*max_age));
  res.body().assign(body.begin(), body.end());
  res.keep_alive(h1_keep_alive_);
  res.prepare_payload();
  writing_ = true;
  with_stream([&](auto& stream) {
    http::async_write(stream, res, [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
      self->writing_ = false;
      self->h1_response_.reset();
      if (ec) return self->close();
      if (!self->h1_keep_alive_) return self->linger();
      self->h1_read();
    });
  });
}

}  // namespace sprout::net
