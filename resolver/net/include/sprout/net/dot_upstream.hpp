// A DoT upstream (RFC 7858): persistent, pipelined TLS connections, answers matched by message
// ID in any order; another connection opens when every open one carries many queries (up to
// tls.max_connections), a lost one is re-opened on demand after a growing backoff. The
// connections beyond the first close once idle for tls.idle_timeout. The
// certificate is verified (server_name, ca_file or the system trust store); nothing ever goes
// to this upstream in clear text.
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include "sprout/net/ares_channel.hpp"

namespace sprout::net {

class DotUpstream final : public UpstreamChannel {
 public:
  DotUpstream(asio::io_context& io, const config::Upstream& upstream);
  ~DotUpstream() override;
  DotUpstream(const DotUpstream&) = delete;
  DotUpstream& operator=(const DotUpstream&) = delete;
  void send(std::span<const std::uint8_t> query, AresCallback callback) override;

  // A connection takes another query while it has fewer than this in flight, or when no more
  // connections may open. Why a bound at all: one TLS stream is one TCP stream (a lost segment
  // holds up every answer behind it), and many servers work through a connection's queries
  // with limited concurrency (dnsdist's maxInFlight, unbound's per-connection limits).
  static constexpr std::size_t kOpenAnotherAt = 16;

  struct Link;  // one TLS connection; its handlers hold it, and find owner == nullptr once we are gone
  [[nodiscard]] std::size_t connections() const noexcept { return links_.size(); }

 private:
  using Clock = std::chrono::steady_clock;
  struct Pending {
    AresCallback callback;
    Clock::time_point deadline;
    Link* link;  // the connection it was written to: it fails with that connection
  };
  std::shared_ptr<Link> pick_link();
  std::shared_ptr<Link> connect();
  void connected(const std::shared_ptr<Link>& link, const boost::system::error_code& ec);
  void write_next(const std::shared_ptr<Link>& link);
  void read_next(const std::shared_ptr<Link>& link);
  void answered(Link& link, std::span<std::uint8_t> answer);
  void lost(const std::shared_ptr<Link>& link, const std::string& why);  // its queries fail over at once
  void drop(const std::shared_ptr<Link>& link);  // closed and forgotten
  void finish(std::uint16_t id, int status, std::span<std::uint8_t> answer = {});
  void arm_timer();
  void expire();
  void arm_idle_check();
  void close_idle();  // the extra connections idle for tls.idle_timeout, keeping one open

  asio::io_context& io_;
  config::Upstream upstream_;
  asio::ssl::context ctx_{asio::ssl::context::tls_client};
  std::string setup_error_;  // the CA file could not be loaded: every query fails
  std::vector<std::shared_ptr<Link>> links_;
  std::map<std::uint16_t, Pending> pending_;  // by the ID on the wire, unique across the connections
  // Deadlines in send order (one timeout for all, so also in time order): the timer waits for
  // the first; an entry whose ID finished or was reused meanwhile is skipped.
  std::deque<std::pair<Clock::time_point, std::uint16_t>> deadlines_;
  bool timer_armed_ = false;
  std::uint16_t next_id_;
  std::chrono::milliseconds backoff_{0};
  Clock::time_point retry_at_{};
  asio::steady_timer timer_;
  asio::steady_timer idle_timer_;  // armed while more than one connection is open
  bool idle_armed_ = false;
  // Timer handlers check it: one already due when we are destroyed must not touch us.
  std::shared_ptr<DotUpstream*> alive_ = std::make_shared<DotUpstream*>(this);
};

}  // namespace sprout::net
