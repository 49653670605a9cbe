// Upstream failover: healthy upstreams first in configured order; the driver decides what
// an answer, a failure or a shutdown means for the client.
#include "sprout/net/forwarder.hpp"

#include "sprout/core/log.hpp"
#include "sprout/net/dot_upstream.hpp"

namespace sprout::net {
namespace {

constexpr auto kDownFor = std::chrono::seconds(5);

}  // namespace

Forwarder::Forwarder(asio::io_context& io, const std::vector<config::Upstream>& upstreams,
                     std::span<UpstreamCounters, kMaxUpstreams> counters)
    : counters_(counters) {
  for (std::size_t i = 0; i < upstreams.size() && i < kMaxUpstreams; ++i) {
    upstreams_.push_back(upstreams[i]);
    // DoT upstreams never fall back to plain DNS: a failure there fails over like any other.
    if (upstreams[i].tls) channels_.push_back(std::make_unique<DotUpstream>(io, upstreams[i]));
    else channels_.push_back(std::make_unique<AresChannel>(io, upstreams[i]));
    down_until_.push_back(Clock::time_point{});
  }
}

void Forwarder::plan(core::PendingQuery& p) const {
  const auto now = Clock::now();
  p.order_size = 0;
  for (int pass = 0; pass < 2; ++pass) {  // pass 0: healthy ones, pass 1: the rest
    for (std::size_t i = 0; i < channels_.size(); ++i) {
      const bool healthy = down_until_[i] <= now;
      if (healthy == (pass == 0)) p.order[p.order_size++] = static_cast<std::uint8_t>(i);
    }
  }
}

void Forwarder::resolve(std::unique_ptr<core::PendingQuery> p) {
  ++pending_;
  plan(*p);
  attempt(std::move(p));
}

void Forwarder::attempt(std::unique_ptr<core::PendingQuery> p) {
  if (p->next >= p->order_size) return fail(std::move(p));
  const std::size_t upstream = p->order[p->next++];
  counters_[upstream].queries.fetch_add(1, std::memory_order_relaxed);
  const auto query = p->upstream_query;
  core::PendingQuery* raw = p.release();  // owned by the callback from here on
  channels_[upstream]->send(query, [this, raw, upstream](int status, std::span<std::uint8_t> answer) {
    on_result(std::unique_ptr<core::PendingQuery>(raw), upstream, status, answer);
  });
}

void Forwarder::on_result(std::unique_ptr<core::PendingQuery> p, std::size_t upstream, int status,
                          std::span<std::uint8_t> answer) {
  if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
    --pending_;
    return p->driver->upstream_cancelled(std::move(p));  // shutting down
  }
  if (status == ARES_SUCCESS) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - p->start).count();
    core::Driver* driver = p->driver;
    if (driver->upstream_answered(p, answer)) {  // p is consumed
      --pending_;
      down_until_[upstream] = Clock::time_point{};
      counters_[upstream].latency_us.fetch_add(static_cast<std::uint64_t>(us), std::memory_order_relaxed);
      return;
    }
    core::log::debug("upstream ", upstream, ": answer does not match the question, discarded");
  } else {
    core::log::debug("upstream ", upstream, ": ", ares_strerror(status));
  }
  counters_[upstream].failures.fetch_add(1, std::memory_order_relaxed);
  if (status == ARES_ETIMEOUT || status == ARES_ECONNREFUSED) down_until_[upstream] = Clock::now() + kDownFor;
  attempt(std::move(p));
}

void Forwarder::fail(std::unique_ptr<core::PendingQuery> p) {
  --pending_;
  p->driver->upstream_failed(std::move(p));
}

}  // namespace sprout::net
