// A DoT upstream (RFC 7858): one persistent, pipelined TLS connection, answers matched by
// message ID in any order, reconnected on demand with a growing backoff after failures. The
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

  struct Link;  // one TLS connection; its handlers hold it, and find owner == nullptr once we are gone

 private:
  using Clock = std::chrono::steady_clock;
  struct Pending {
    AresCallback callback;
    Clock::time_point deadline;
  };
  void connect();
  void connected(const std::shared_ptr<Link>& link, const boost::system::error_code& ec);
  void write_next();
  void read_next();
  void answered(std::span<std::uint8_t> answer);
  void lost(const std::string& why);  // the connection failed: every query on it fails over
  void finish(std::uint16_t id, int status, std::span<std::uint8_t> answer = {});
  void arm_timer();

  asio::io_context& io_;
  config::Upstream upstream_;
  asio::ssl::context ctx_{asio::ssl::context::tls_client};
  std::string setup_error_;  // the CA file could not be loaded: every query fails
  std::shared_ptr<Link> link_;
  bool ready_ = false;
  std::map<std::uint16_t, Pending> pending_;           // by the ID on the wire
  std::deque<std::vector<std::uint8_t>> to_write_;     // framed queries not yet written
  std::uint16_t next_id_;
  std::chrono::milliseconds backoff_{0};
  Clock::time_point retry_at_{};
  asio::steady_timer timer_;
  // Timer handlers check it: one already due when we are destroyed must not touch us.
  std::shared_ptr<DotUpstream*> alive_ = std::make_shared<DotUpstream*>(this);
};

}  // namespace sprout::net
