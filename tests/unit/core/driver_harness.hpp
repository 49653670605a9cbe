// Test harness for core::Driver: a snapshot holder, an upstream port that keeps what it is
// given, a responder that records what is sent, an observer that counts.
#pragma once

#include <memory>
#include <vector>

#include "sprout/core/counters.hpp"
#include "sprout/core/driver.hpp"

namespace sprout::test {

struct HeldUpstream final : core::UpstreamPort {
  std::vector<std::unique_ptr<core::PendingQuery>> pending;
  void resolve(std::unique_ptr<core::PendingQuery> p) override { pending.push_back(std::move(p)); }
};

// Keeps each query's action, and counts it the way a worker does.
struct CountingObserver final : core::QueryObserver {
  std::vector<core::Action> actions;
  core::QueryCounters counters;
  void observe(const core::QueryContext& q, std::uint64_t latency_us) noexcept override {
    actions.push_back(q.action);
    core::record_query(counters, q, latency_us);
  }
};

// What the driver sent; shared by a responder and the ones it detaches.
struct Sent {
  std::vector<std::vector<std::uint8_t>> answers;
  int drops = 0;
};

class RecordingResponder final : public core::Responder {
 public:
  explicit RecordingResponder(std::shared_ptr<Sent> sent) : sent_(std::move(sent)) {}
  void send(std::span<const std::uint8_t> a) override { sent_->answers.emplace_back(a.begin(), a.end()); }
  void drop() override { ++sent_->drops; }
  std::unique_ptr<core::Responder> detach() override { return std::make_unique<RecordingResponder>(sent_); }

 private:
  std::shared_ptr<Sent> sent_;
};

struct DriverHarness {
  explicit DriverHarness(std::shared_ptr<core::Snapshot> snap, core::TimeSource now = nullptr)
      : driver(holder, upstream, observer, now) {
    holder.publish(std::move(snap));
  }
  DriverHarness(const DriverHarness&) = delete;
  DriverHarness& operator=(const DriverHarness&) = delete;
  // Queries still held give their upstream slots back to the driver, which must still be there.
  ~DriverHarness() { upstream.pending.clear(); }
  core::SnapshotHolder holder;
  HeldUpstream upstream;
  CountingObserver observer;
  core::Driver driver;
  std::shared_ptr<Sent> sent = std::make_shared<Sent>();

  void run(const std::vector<std::uint8_t>& wire, const char* client = "127.0.0.1",
           core::Transport t = core::Transport::udp) {
    RecordingResponder r(sent);
    driver.run(wire, *config::IpAddress::parse(client), t, r);
  }
  [[nodiscard]] const std::vector<std::uint8_t>& last() const { return sent->answers.back(); }
  // Hands the oldest pending upstream query an answer; false when the driver rejected it.
  bool answer(std::span<std::uint8_t> bytes) {
    auto p = std::move(upstream.pending.front());
    upstream.pending.erase(upstream.pending.begin());
    core::Driver* d = p->driver;
    if (d->upstream_answered(p, bytes)) return true;
    upstream.pending.insert(upstream.pending.begin(), std::move(p));
    return false;
  }
  void fail() {
    auto p = std::move(upstream.pending.front());
    upstream.pending.erase(upstream.pending.begin());
    p->driver->upstream_failed(std::move(p));
  }
};

}  // namespace sprout::test
