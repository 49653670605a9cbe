// DoH over HTTP/2 through libnghttp2's C API: many streams per connection, answered in any
// order. nghttp2 owns the framing and its limits; Sprout only moves bytes and answers streams.
#include <boost/asio/write.hpp>

#include "doh_connection.hpp"

namespace sprout::net {
namespace {

constexpr std::uint32_t kMaxStreams = 100;       // concurrent requests per connection
constexpr std::size_t kMaxWriteBatch = 64 * 1024;  // bytes gathered per socket write

DohConnection& conn(void* user_data) { return *static_cast<DohConnection*>(user_data); }

int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* ud) {
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) conn(ud).h2_open_stream(frame->hd.stream_id);
  return 0;
}

int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name, std::size_t namelen,
              const std::uint8_t* value, std::size_t valuelen, std::uint8_t, void* ud) {
  DohConnection::H2Stream* s = conn(ud).h2_stream(frame->hd.stream_id);
  if (s == nullptr) return 0;
  const std::string_view n(reinterpret_cast<const char*>(name), namelen);
  const std::string v(reinterpret_cast<const char*>(value), valuelen);
  if (n == ":method") s->method = v;
  else if (n == ":path") s->path = v;
  else if (n == "content-type") s->content_type = v;
  else if (n == "x-forwarded-for") s->forwarded.append(s->forwarded.empty() ? "" : ",").append(v);
  return 0;
}

int on_data(nghttp2_session*, std::uint8_t, std::int32_t id, const std::uint8_t* data, std::size_t len, void* ud) {
  DohConnection::H2Stream* s = conn(ud).h2_stream(id);
  if (s == nullptr) return 0;
  // Past a DNS message's size the rest is dropped, not buffered: the answer is 413.
  if (s->body_too_large || s->body.size() + len > core::kMaxDohMessage) s->body_too_large = true;
  else s->body.insert(s->body.end(), data, data + len);
  return 0;
}

int on_frame(nghttp2_session*, const nghttp2_frame* frame, void* ud) {
  const bool request_part = frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA;
  if (request_part && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) conn(ud).h2_request(frame->hd.stream_id);
  return 0;
}

int on_close(nghttp2_session*, std::int32_t id, std::uint32_t, void* ud) {
  conn(ud).h2_close_stream(id);
  return 0;
}

ssize_t read_body(nghttp2_session*, std::int32_t id, std::uint8_t* buf, std::size_t length, std::uint32_t* flags,
                  nghttp2_data_source*, void* ud) {
  DohConnection::H2Stream* s = conn(ud).h2_stream(id);
  if (s == nullptr) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  const std::size_t n = std::min(length, s->response.size() - s->sent);
  std::copy_n(s->response.data() + s->sent, n, buf);
  s->sent += n;
  if (s->sent == s->response.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

nghttp2_nv header(std::string_view name, std::string_view value) {
  return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(), NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

DohConnection::H2Stream* DohConnection::h2_stream(std::int32_t id) {
  const auto it = h2_streams_.find(id);
  return it == h2_streams_.end() ? nullptr : &it->second;
}

void DohConnection::h2_start() {
  nghttp2_session_callbacks* cbs = nullptr;
  if (nghttp2_session_callbacks_new(&cbs) != 0) return close();
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_close);
  const int rv = nghttp2_session_server_new(&h2_, cbs, this);
  nghttp2_session_callbacks_del(cbs);
  if (rv != 0) return close();
  const nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, kMaxStreams}};
  nghttp2_submit_settings(h2_, NGHTTP2_FLAG_NONE, settings, 1);
  if (h1_buffer_.size() > 0) {  // h2c: the preface (and what came with it), read by plain_sniff
    const bool ok = h2_feed(static_cast<const std::uint8_t*>(h1_buffer_.data().data()), h1_buffer_.size());
    h1_buffer_.consume(h1_buffer_.size());
    h1_buffer_.shrink_to_fit();
    if (!ok) return;
  }
  h2_flush();
  h2_read();
}

void DohConnection::h2_read() {
  if (!open_) return;
  arm_idle();
  when_readable([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || !self->open_) return self->close();
    self->with_stream([&self](auto& stream) {
      stream.async_read_some(self->input(), [self](const boost::system::error_code& e, std::size_t n) {
        if (e || !self->open_) return self->close();
        self->h2_received(n);
      });
    });
  });
}

void DohConnection::h2_received(std::size_t n) {
  const bool ok = h2_feed(in_.data(), n);
  release_input();  // nghttp2 keeps what it needs; idle, the connection holds no read buffer
  if (!ok) return;
  h2_flush();
  h2_read();
}

bool DohConnection::h2_feed(const std::uint8_t* data, std::size_t n) {
  h2_in_recv_ = true;
  const ssize_t rv = nghttp2_session_mem_recv(h2_, data, n);
  h2_in_recv_ = false;
  if (rv >= 0) return true;
  // Malformed framing: nghttp2 has queued GOAWAY where it could; send it, then close.
  worker_.counters().transport(core::Transport::doh).errors.fetch_add(1, std::memory_order_relaxed);
  h2_flush();
  close();
  return false;
}

void DohConnection::h2_flush() {
  if (writing_ || !open_ || h2_in_recv_) return;
  h2_out_.clear();
  while (h2_out_.size() < kMaxWriteBatch) {
    const std::uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(h2_, &data);
    if (n < 0) return close();
    if (n == 0) break;
    h2_out_.insert(h2_out_.end(), data, data + n);
  }
  if (h2_out_.empty()) {
    std::vector<std::uint8_t>().swap(h2_out_);  // up to kMaxWriteBatch, not kept by an idle connection
    if (nghttp2_session_want_read(h2_) == 0 && nghttp2_session_want_write(h2_) == 0) close();  // GOAWAY done
    return;
  }
  writing_ = true;
  with_stream([this](auto& stream) {
    asio::async_write(stream, asio::buffer(h2_out_), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
      self->writing_ = false;
      if (ec) return self->close();
      self->h2_flush();
    });
  });
}

void DohConnection::h2_request(std::int32_t id) {
  H2Stream* s = h2_stream(id);
  if (s == nullptr) return;
  set_client(s->forwarded);  // plain HTTP (h2c): each stream is judged on its own, like each HTTP/1.1 request
  const core::DohRequest request{s->method, s->path, s->content_type, s->body, s->body_too_large};
  dispatch(id, request);
}

void DohConnection::h2_respond(std::int32_t id, int status, std::span<const std::uint8_t> body, std::string_view type,
                               std::optional<std::uint32_t> max_age) {
  H2Stream* s = h2_stream(id);
  if (s == nullptr) return;  // the client reset the stream while its query was upstream
  s->response.assign(body.begin(), body.end());
  s->sent = 0;
  const std::string status_text = std::to_string(status);
  const std::string length = std::to_string(body.size());
  const std::string cache = max_age ? "max-age=" + std::to_string(*max_age) : std::string();
  std::vector<nghttp2_nv> headers{header(":status", status_text), header("content-type", type),
                                  header("content-length", length)};
  if (max_age) headers.push_back(header("cache-control", cache));
  nghttp2_data_provider provider{};
  provider.read_callback = read_body;
  if (nghttp2_submit_response(h2_, id, headers.data(), headers.size(), &provider) != 0) return;
  h2_flush();  // inside mem_recv this waits: the read path flushes after it
}

}  // namespace sprout::net
