// Worker: the per-thread event loop and the query path that joins listeners and upstream.
#include "sprout/net/worker.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "sprout/net/tcp_server.hpp"
#include "sprout/net/udp_listener.hpp"
#include "sprout/core/log.hpp"
#include "sprout/stats/query_log.hpp"
#include "sprout/core/proxy_protocol.hpp"

namespace sprout::net {
namespace {

class DiscardReply final : public ReplySink {
 public:
  void send(std::span<const std::uint8_t>) override {}
  void drop() override {}
};

}  // namespace

config::IpAddress to_ip(const asio::ip::address& a) {
  if (a.is_v4()) return config::IpAddress::from_v4(a.to_v4().to_bytes().data());
  return config::IpAddress::from_v6(a.to_v6().to_bytes().data());
}

Worker::Worker(std::size_t index, const core::SnapshotHolder& snapshots, WorkerSockets sockets)
    : index_(index), snapshot_(snapshots) {
  const auto& cfg = *snapshot_.get()->config;
  forwarder_ = std::make_unique<Forwarder>(io_, cfg.upstreams, scratch_,
                                          [this](const core::QueryContext& q, std::uint64_t us) { record(q, us); });
  for (int fd : sockets.udp) udp_.push_back(std::make_unique<UdpListener>(*this, fd));
  for (int fd : sockets.tcp) tcp_.push_back(std::make_shared<TcpAcceptor>(*this, fd));
}

Worker::~Worker() {
  stop();
  tcp_.clear();
  udp_.clear();
  forwarder_.reset();  // pending upstream queries are dropped here (ARES_EDESTRUCTION)
}

const config::TcpLimits& Worker::tcp_limits() noexcept { return snapshot_.get()->config->tcp; }

bool Worker::trusted_proxy(const config::IpAddress& peer) {
  return core::is_trusted_proxy(*snapshot_.get()->config, peer);
}

bool Worker::unwrap_proxy(std::span<const std::uint8_t>& wire, config::IpAddress& client) {
  if (!trusted_proxy(client)) return true;  // an untrusted peer's header is just a bad query
  const core::ProxyHeader h = core::parse_proxy_v2(wire);
  if (h.status == core::ProxyStatus::absent) return true;  // the front end asking for itself
  if (h.status != core::ProxyStatus::ok && h.status != core::ProxyStatus::local) return false;
  if (h.status == core::ProxyStatus::ok) client = h.source;
  wire = wire.subspan(h.length);
  return true;
}

void Worker::start() {
  for (auto& u : udp_) u->start();
  for (auto& t : tcp_) t->start();
  thread_ = std::thread([this] {
    auto guard = asio::make_work_guard(io_);
    for (;;) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {
        // A handler bug must not kill the worker: log it and keep serving.
        core::log::error("worker ", index_, ": ", e.what());
      }
    }
  });
}

std::future<std::vector<core::QueryCounters::DomainCount>> Worker::harvest_blocked_domains() {
  auto task = std::make_shared<std::packaged_task<std::vector<core::QueryCounters::DomainCount>()>>(
      [this] { return query_counters_.take_blocked_domains(); });
  auto result = task->get_future();
  asio::post(io_, [task] { (*task)(); });
  return result;
}

void Worker::refresh_snapshot() {
  asio::post(io_, [this] { (void)snapshot_.get(); });
}

void Worker::stop() {
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

core::Outcome Worker::decide(std::span<const std::uint8_t> wire, const config::IpAddress& client, bool tcp,
                                 std::span<std::uint8_t> out) {
  ctx_ = core::QueryContext{};
  ctx_.client = client;
  ctx_.tcp = tcp;
  ctx_.snapshot = snapshot_.get().get();
  ctx_.scratch = out.empty() ? std::span<std::uint8_t>(scratch_) : out;
  const core::Outcome outcome = core::handle_query(wire, ctx_);
  if (outcome != core::Outcome::forward) record(ctx_, 0);  // answered in the receive loop
  if (ctx_.prefetch) {
    // A popular cached answer about to expire: refresh it upstream; the answer only feeds
    // the cache. ctx_ still describes this query, so it is copied before anything else runs.
    const std::size_t size = ctx_.response_size;
    auto answer = ctx_.scratch;
    forward_current(std::make_unique<DiscardReply>(), false);
    ctx_.scratch = answer;
    ctx_.response_size = size;
  }
  return outcome;
}

void Worker::record(const core::QueryContext& q, std::uint64_t latency_us) {
  core::record_query(query_counters_, q, latency_us);
  stats::QueryLog* log = query_log_.load(std::memory_order_acquire);
  const core::ReportAction action = core::report_action(q);
  if (log == nullptr || q.network == nullptr || action == core::ReportAction::kCount) return;
  // Opt-in only: the address is pseudonymized inside record() and never stored as given.
  stats::QueryLogEntry e;
  e.timestamp = std::chrono::duration_cast<std::chrono::seconds>(q.snapshot->clock_now().time_since_epoch()).count();
  e.network = q.network->name;
  e.qname = std::string(q.view.qname.view());
  e.qtype = q.view.qtype;
  e.action = std::string(core::report_action_name(action));
  if (q.decision.category >= 0) e.category = q.snapshot->config->categories[static_cast<std::size_t>(q.decision.category)].name;
  e.client = q.client.to_string();
  log->record(e);
}

void Worker::forward_current(std::unique_ptr<ReplySink> reply, bool counted) {
  auto p = std::make_unique<PendingQuery>();
  p->wire.assign(ctx_.view.wire.begin(), ctx_.view.wire.end());
  p->ctx = ctx_;
  p->ctx.view.wire = p->wire;  // rebase the view onto the owned copy
  p->ctx.scratch = scratch_;
  p->snapshot = snapshot_.get();
  p->start = std::chrono::steady_clock::now();
  p->counted = counted;
  p->reply = std::move(reply);
  forwarder_->forward(std::move(p));
}

}  // namespace sprout::net
