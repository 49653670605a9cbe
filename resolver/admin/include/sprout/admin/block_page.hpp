// The block page: a short bilingual (Vietnamese, then English) HTML page naming the blocked site,
// its category and the network policy; plain HTTP only, on its own listener.
//
// Why HTTP only: when a blocked name is answered with the block-page address, a browser that
// asked for https:// connects to it and starts TLS for a name Sprout holds no certificate for.
// Any certificate we could present would be wrong, so the browser shows a connection or
// certificate error, not this page; with HSTS it cannot even be clicked through. Sprout does
// not intercept TLS (no private CA on children's devices, no reading of encrypted traffic):
// for HTTPS it does what DNS can — the EDE 15 "Blocked" code with the category in the DNS
// answer, and this page whenever the first request is plain http://.
#pragma once

#include <utility>  // before any Asio header: Boost 1.74 bug

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

namespace sprout::admin {

namespace detail {
class HttpListener;
}

// What the lead's decision logic says about a host for a client. Empty fields are left out.
struct BlockInfo {
  std::string category;  // category name from the config ("adult", "gambling", ...)
  std::string network;   // network name from the config
  std::string profile;   // profile name from the config
};

// host: the Host header as received; client_address: the peer's IP as text.
using BlockLookup = std::function<BlockInfo(std::string_view host, std::string_view client_address)>;

struct BlockPageOptions {
  std::string address = "127.0.0.1";  // tests; the lead sets the block-page IP
  std::uint16_t port = 0;             // 0 = pick; real deployments use 80
  std::size_t max_header_bytes = 8 * 1024;
  std::chrono::milliseconds read_timeout{5'000};
  std::chrono::milliseconds write_timeout{5'000};
  std::size_t max_connections = 256;
};

inline constexpr std::size_t kMaxShownHostBytes = 253;

// The host as shown: port removed, control characters dropped, at most kMaxShownHostBytes.
// Not yet HTML-escaped.
[[nodiscard]] std::string display_host(std::string_view host_header);

// The complete UTF-8 HTML page; every inserted value is HTML-escaped. No scripts, no external assets.
[[nodiscard]] std::string render_block_page(std::string_view host_header, const BlockInfo& info);

class BlockPageServer {
 public:
  // Binds at once (throws boost::system::system_error if it cannot) and accepts on ioc.
  BlockPageServer(boost::asio::io_context& ioc, BlockPageOptions options, BlockLookup lookup);
  ~BlockPageServer();  // stops; destroy before the io_context
  BlockPageServer(const BlockPageServer&) = delete;
  BlockPageServer& operator=(const BlockPageServer&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept;
  void stop();  // safe from any thread

 private:
  std::shared_ptr<detail::HttpListener> listener_;
};

}  // namespace sprout::admin
