// The transfer client: TCP framing, deadline, primaries in order, AXFR fallback.
#include "sprout/transfer/transfer_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <memory>

namespace sprout::transfer {
namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Attempt {
  Outcome outcome = Outcome::failed;
  std::optional<RpzZone> zone;
  std::optional<ZoneDelta> delta;
  std::string error;
  std::size_t messages = 0;
  bool ixfr = false;
};

// One request and its response stream on a connected socket.
asio::awaitable<Attempt> exchange(tcp::socket& socket, const config::Transfer& t, std::uint64_t max_bytes,
                                  const RpzZone* current) {
  Attempt a;
  const Request req = make_request(t.zone, t.tsig, current, std::chrono::system_clock::now());
  a.ixfr = req.ixfr;
  if (req.wire.empty()) {
    a.error = "cannot build the request (TSIG key unusable?)";
    co_return a;
  }
  std::vector<std::uint8_t> out{static_cast<std::uint8_t>(req.wire.size() >> 8), static_cast<std::uint8_t>(req.wire.size())};
  out.insert(out.end(), req.wire.begin(), req.wire.end());
  boost::system::error_code ec;
  co_await asio::async_write(socket, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
  ResponseReader reader(t.zone, t.tsig, req, current, max_bytes);
  std::vector<std::uint8_t> msg;
  while (!ec) {
    std::array<std::uint8_t, 2> len{};
    co_await asio::async_read(socket, asio::buffer(len), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    msg.resize(static_cast<std::size_t>(len[0]) << 8 | len[1]);
    co_await asio::async_read(socket, asio::buffer(msg), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    a.outcome = reader.add(msg.data(), msg.size(), std::chrono::system_clock::now());
    a.messages = reader.messages();
    if (a.outcome == Outcome::more) continue;
    if (a.outcome == Outcome::failed) a.error = reader.error();
    if (a.outcome == Outcome::full_zone) a.zone = reader.take_zone();
    if (a.outcome == Outcome::incremental) a.delta = reader.take_delta();
    co_return a;
  }
  a.outcome = Outcome::failed;
  a.error = ec == asio::error::eof ? "the stream ended before the zone did (truncated after " + std::to_string(a.messages) + " messages)"
                                   : "connection: " + ec.message();
  co_return a;
}

asio::awaitable<Attempt> from_primary(const config::Endpoint& primary, const config::Transfer& t, std::uint64_t max_bytes,
                                      const RpzZone* current, Clock::time_point deadline) {
  auto ex = co_await asio::this_coro::executor;
  tcp::socket socket(ex);
  auto timed_out = std::make_shared<bool>(false);
  asio::steady_timer timer(ex, deadline);
  // The budget covers everything: a primary that trickles bytes is cut off too.
  timer.async_wait([&socket, timed_out](const boost::system::error_code& e) {
    if (e) return;
    *timed_out = true;
    boost::system::error_code ignored;
    socket.close(ignored);
  });
  boost::system::error_code ec;
  const tcp::endpoint ep(asio::ip::make_address(primary.address.to_string()), primary.port);
  co_await socket.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
  Attempt a;
  if (ec) {
    a.error = *timed_out ? "no connection within max_time (" + std::to_string(t.max_time.count()) + " s)" : "connect: " + ec.message();
  } else {
    a = co_await exchange(socket, t, max_bytes, current);
    if (*timed_out) {
      a.outcome = Outcome::failed;
      a.zone.reset();
      a.delta.reset();
      a.error = "the transfer took longer than max_time (" + std::to_string(t.max_time.count()) + " s)";
    }
  }
  timer.cancel();
  co_return a;
}

}  // namespace

asio::awaitable<TransferResult> transfer_zone(const config::Transfer& t, std::uint64_t max_bytes,
                                              const RpzZone* current) {
  TransferResult r;
  const auto start = Clock::now();
  const auto deadline = start + t.max_time;
  for (const config::Endpoint& primary : t.primaries) {
    r.primary = primary.to_string();
    Attempt a = co_await from_primary(primary, t, max_bytes, current, deadline);
    // An IXFR the primary cannot continue from our version: the whole zone, same primary.
    if (a.outcome == Outcome::failed && a.ixfr && Clock::now() < deadline && a.error.find("max_size") == std::string::npos &&
        a.error.find("TSIG") == std::string::npos) {
      r.error += (r.error.empty() ? "" : "; ") + r.primary + ": IXFR: " + a.error + ", trying AXFR";
      a = co_await from_primary(primary, t, max_bytes, nullptr, deadline);
    }
    r.messages = a.messages;
    if (a.outcome != Outcome::failed) {
      r.outcome = a.outcome;
      r.zone = std::move(a.zone);
      r.delta = std::move(a.delta);
      r.error.clear();
      break;
    }
    r.error += (r.error.empty() ? "" : "; ") + r.primary + ": " + a.error;
    if (Clock::now() >= deadline) break;
  }
  r.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  co_return r;
}

TransferResult transfer_zone_now(const config::Transfer& t, std::uint64_t max_bytes, std::optional<RpzZone> current) {
  asio::io_context io;
  TransferResult out;
  asio::co_spawn(io, transfer_zone(t, max_bytes, current ? &*current : nullptr),
                 [&out](std::exception_ptr e, TransferResult r) {
                   if (e) out.error = "internal error in the transfer";
                   else out = std::move(r);
                 });
  io.run();
  if (out.delta && current) {
    apply_delta(*current, *out.delta);
    out.zone = std::move(current);
  }
  return out;
}

}  // namespace sprout::transfer
