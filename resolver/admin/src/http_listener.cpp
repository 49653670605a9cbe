// The shared HTTP/1.1 listener: one Session per connection, every read and write under a deadline.
#include "http_listener.hpp"

#include <optional>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>

namespace sprout::admin::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpListener> listener)
      : stream_(std::move(socket)), listener_(std::move(listener)) {
    boost::system::error_code ec;
    remote_ = stream_.socket().remote_endpoint(ec);
    ++listener_->open_;
  }
  ~Session() { --listener_->open_; }

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }
  void close() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->stream_.close(); });
  }

 private:
  void read() {
    const auto& limits = listener_->limits();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser_->body_limit(limits.max_body_bytes);
    // One deadline for the whole request: a client dribbling bytes cannot hold the connection.
    stream_.expires_after(limits.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted) {
      return shutdown();
    }
    if (ec == http::error::body_limit) return send_error(http::status::payload_too_large, "request body too large\n");
    if (ec == http::error::header_limit) {
      return send_error(http::status::request_header_fields_too_large, "request header too large\n");
    }
    if (ec) {
      // Parser errors (beast.http category) get a 400; socket errors leave nobody to answer.
      if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
        return send_error(http::status::bad_request, "bad request\n");
      }
      return shutdown();
    }
    handle(parser_->release());
  }

  void handle(Request req) {
    const bool head = req.method() == http::verb::head;
    Response res;
    try {
      res = listener_->handler()(req, remote_);
    } catch (...) {  // a handler bug must not take the control thread down
      res = make_response(http::status::internal_server_error, req.version(), "text/plain; charset=utf-8",
                          "internal error\n");
    }
    ++served_;
    const bool keep = req.keep_alive() && served_ < listener_->limits().max_requests_per_connection;
    res.keep_alive(keep);
    if (head) {
      const auto length = res.body().size();
      res.body().clear();
      res.content_length(length);
    }
    write(std::move(res), !keep);
  }

  void send_error(http::status status, std::string body) {
    write(make_response(status, 11, "text/plain; charset=utf-8", std::move(body)), true);
  }

  void write(Response res, bool close_after) {
    if (close_after) res.keep_alive(false);
    response_ = std::move(res);
    stream_.expires_after(listener_->limits().write_timeout);
    http::async_write(stream_, response_,
                      [self = shared_from_this(), close_after](beast::error_code ec, std::size_t) {
                        if (ec || close_after) return self->shutdown();
                        self->read();
                      });
  }

  void shutdown() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<HttpListener> listener_;
  tcp::endpoint remote_;
  Response response_;
  std::size_t served_ = 0;
};

HttpListener::HttpListener(asio::io_context& ioc, ListenerLimits limits, RequestHandler handler)
    : ioc_(ioc),
      strand_(asio::make_strand(ioc)),
      acceptor_(strand_),
      retry_timer_(strand_),
      limits_(limits),
      handler_(std::move(handler)) {}

std::shared_ptr<HttpListener> HttpListener::start(asio::io_context& ioc, const std::string& address,
                                                  std::uint16_t port, ListenerLimits limits,
                                                  RequestHandler handler) {
  auto self = std::make_shared<HttpListener>(ioc, limits, std::move(handler));
  const tcp::endpoint endpoint{asio::ip::make_address(address), port};
  self->acceptor_.open(endpoint.protocol());
  self->acceptor_.set_option(asio::socket_base::reuse_address(true));
  self->acceptor_.bind(endpoint);
  self->acceptor_.listen(asio::socket_base::max_listen_connections);
  self->port_ = self->acceptor_.local_endpoint().port();
  asio::dispatch(self->strand_, [self] { self->accept(); });
  return self;
}

void HttpListener::accept() {
  if (closed_) return;
  acceptor_.async_accept(asio::make_strand(ioc_),
                         asio::bind_executor(strand_, [self = shared_from_this()](boost::system::error_code ec,
                                                                                 tcp::socket socket) {
                           self->on_accept(ec, std::move(socket));
                         }));
}

void HttpListener::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (closed_ || ec == asio::error::operation_aborted) return;
  if (!ec) {
    std::erase_if(sessions_, [](const std::weak_ptr<Session>& s) { return s.expired(); });
    if (open_.load() >= limits_.max_connections) {
      // Over the cap: close at once rather than queue; monitoring retries, humans reload.
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      auto session = std::make_shared<Session>(std::move(socket), shared_from_this());
      sessions_.push_back(session);
      session->start();
    }
  }
  if (!ec) return accept();
  // Transient accept errors (EMFILE, ENOBUFS) must not stop the listener, nor spin the control thread.
  retry_timer_.expires_after(std::chrono::milliseconds(100));
  retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code) { self->accept(); });
}

void HttpListener::close() {
  asio::dispatch(strand_, [self = shared_from_this()] {
    self->closed_ = true;
    boost::system::error_code ec;
    self->acceptor_.close(ec);
    self->retry_timer_.cancel();
    for (auto& weak : self->sessions_) {
      if (auto s = weak.lock()) s->close();
    }
    self->sessions_.clear();
  });
}

}  // namespace sprout::admin::detail
