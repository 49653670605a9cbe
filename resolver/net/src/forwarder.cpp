// Upstream failover: healthy upstreams first in configured order, SERVFAIL when all fail.
#include "sprout/net/forwarder.hpp"

#include "sprout/dns/message_writer.hpp"
#include "sprout/core/stages/cache_stages.hpp"
#include "sprout/core/log.hpp"

namespace sprout::net {
namespace {

constexpr auto kDownFor = std::chrono::seconds(5);
constexpr std::size_t kMaxUpstreams = 16;

}  // namespace

Forwarder::Forwarder(asio::io_context& io, const std::vector<config::Upstream>& upstreams,
                     std::span<std::uint8_t> scratch, DoneFn done)
    : scratch_(scratch), done_(std::move(done)) {
  for (std::size_t i = 0; i < upstreams.size() && i < kMaxUpstreams; ++i) {
    channels_.push_back(std::make_unique<AresChannel>(io, upstreams[i]));
    down_until_.push_back(Clock::time_point{});
    upstream_counters_.push_back(std::make_unique<UpstreamCounters>());
  }
}

void Forwarder::plan(PendingQuery& p) const {
  const auto now = Clock::now();
  p.order_size = 0;
  for (int pass = 0; pass < 2; ++pass) {  // pass 0: healthy ones, pass 1: the rest
    for (std::size_t i = 0; i < channels_.size(); ++i) {
      const bool healthy = down_until_[i] <= now;
      if (healthy == (pass == 0)) p.order[p.order_size++] = static_cast<std::uint8_t>(i);
    }
  }
}

void Forwarder::forward(std::unique_ptr<PendingQuery> p) {
  plan(*p);
  attempt(std::move(p));
}

void Forwarder::attempt(std::unique_ptr<PendingQuery> p) {
  if (p->next >= p->order_size) return fail(std::move(p));
  const std::size_t upstream = p->order[p->next++];
  const std::size_t size = core::prepare_upstream_query(p->ctx, query_buf_);
  if (size == 0) return fail(std::move(p));
  upstream_counters_[upstream]->queries.fetch_add(1, std::memory_order_relaxed);
  PendingQuery* raw = p.release();  // owned by the callback from here on
  channels_[upstream]->send(std::span(query_buf_.data(), size),
                            [this, raw, upstream](int status, std::span<std::uint8_t> answer) {
                              on_result(std::unique_ptr<PendingQuery>(raw), upstream, status, answer);
                            });
}

void Forwarder::on_result(std::unique_ptr<PendingQuery> p, std::size_t upstream, int status,
                          std::span<std::uint8_t> answer) {
  if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
    p->reply->drop();  // shutting down: the channel (and maybe this forwarder) is going away
    return;
  }
  if (status == ARES_SUCCESS) {
    p->ctx.scratch = scratch_;
    p->ctx.source = core::AnswerSource::upstream;
    const auto out = core::finish_answer(p->ctx, answer);
    if (!out.empty()) {
      down_until_[upstream] = Clock::time_point{};
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - p->start).count();
      upstream_counters_[upstream]->latency_us.fetch_add(static_cast<std::uint64_t>(us), std::memory_order_relaxed);
      finish(*p, out);
      return;
    }
    core::log::debug("upstream ", upstream, ": answer does not match the question, discarded");
  } else {
    core::log::debug("upstream ", upstream, ": ", ares_strerror(status));
  }
  upstream_counters_[upstream]->failures.fetch_add(1, std::memory_order_relaxed);
  if (status == ARES_ETIMEOUT || status == ARES_ECONNREFUSED) down_until_[upstream] = Clock::now() + kDownFor;
  attempt(std::move(p));
}

void Forwarder::fail(std::unique_ptr<PendingQuery> p) {
  p->ctx.scratch = scratch_;
  if (!core::serve_stale(p->ctx)) {  // RFC 8767: an expired answer beats SERVFAIL
    p->ctx.action = core::Action::servfail;
    p->ctx.respond_error(static_cast<std::uint16_t>(dns::Rcode::servfail));
  }
  finish(*p, p->ctx.response());
}

void Forwarder::finish(PendingQuery& p, std::span<const std::uint8_t> answer) {
  if (p.counted) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - p.start).count();
    done_(p.ctx, static_cast<std::uint64_t>(us));
  }
  p.reply->send(answer);
}

}  // namespace sprout::net
