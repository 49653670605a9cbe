// DoH over HTTP/1.1 (Beast), for clients without HTTP/2: one request at a time, keep-alive.
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "doh_connection.hpp"

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
  http::async_read(stream_, h1_buffer_, *h1_parser_,
                   [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) { self->h1_request(ec); });
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
  http::async_write(stream_, res, [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
    self->writing_ = false;
    if (ec || !self->h1_keep_alive_) return self->close();
    self->h1_read();
  });
}

}  // namespace sprout::net
