// The driver: one query from the bytes a transport received to the answer it sends, for
// every transport. The only asynchronous step, upstream, goes through an UpstreamPort.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "sprout/core/client_limits.hpp"
#include "sprout/core/query_context.hpp"
#include "sprout/core/snapshot.hpp"

namespace sprout::core {

// Where one query's answer goes; implemented by each transport.
class Responder {
 public:
  virtual ~Responder() = default;
  // Where a synchronous answer should be built (a UDP send slot); empty: the driver's own.
  [[nodiscard]] virtual std::span<std::uint8_t> buffer() noexcept { return {}; }
  virtual void send(std::span<const std::uint8_t> answer) = 0;
  virtual void drop() = 0;
  // A responder that outlives this call, for a query that waits for upstream.
  [[nodiscard]] virtual std::unique_ptr<Responder> detach() = 0;
};

class Driver;

// A query waiting for upstream: owns the client's bytes and the query composed for
// upstream, and pins the snapshot it started on, so a reload mid-flight never mixes policies.
struct PendingQuery {
  std::vector<std::uint8_t> bytes;            // the client's message, then the upstream query
  std::span<const std::uint8_t> upstream_query;
  QueryContext ctx;                           // ctx.wire and ctx.view point into `bytes`
  std::shared_ptr<const Snapshot> snapshot;
  std::unique_ptr<Responder> responder;
  Driver* driver = nullptr;
  std::chrono::steady_clock::time_point start;
  bool counted = true;                        // false for prefetches: the client's query was counted
  std::array<std::uint8_t, 16> order{};       // for the upstream I/O: upstreams to try, best first
  std::uint8_t order_size = 0;
  std::uint8_t next = 0;
  UpstreamSlot slot;                          // its place in the upstream_limit counts, freed with it
};

// The one asynchronous step, implemented by the upstream I/O (net). It answers through
// Driver::upstream_answered / upstream_failed / upstream_cancelled.
class UpstreamPort {
 public:
  virtual ~UpstreamPort() = default;
  virtual void resolve(std::unique_ptr<PendingQuery> p) = 0;
};

// Told about every counted query once its answer is ready (counters, the query log).
class QueryObserver {
 public:
  virtual ~QueryObserver() = default;
  virtual void observe(const QueryContext& q, std::uint64_t latency_us) noexcept = 0;
};

// NOTIFY (RFC 1996) is for the zone follower (control), not for the query path: it decides
// by its own rules (a primary's address and TSIG), never by the query networks.
class NotifyPort {
 public:
  virtual ~NotifyPort() = default;
  // Writes the answer into `out` and returns its size; 0: drop the message.
  virtual std::size_t on_notify(std::span<const std::uint8_t> wire, const config::IpAddress& peer,
                                std::span<std::uint8_t> out) noexcept = 0;
};

class Driver {
 public:
  static constexpr std::size_t kBufferSize = 4096;

  // `now` feeds the rate limit's buckets (null: the steady clock); tests inject their own.
  Driver(const SnapshotHolder& snapshots, UpstreamPort& upstream, QueryObserver& observer, TimeSource now = nullptr);
  // The driver must outlive every PendingQuery it started (their slots count in limits_).
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  // Runs one query received on `transport` from `peer`. Never throws. A synchronous answer
  // is sent before this returns; a miss is handed to the upstream step. DoT and DoH pass
  // their listener and client ID in `origin` (only read before this returns).
  void run(std::span<const std::uint8_t> bytes, const config::IpAddress& peer, Transport transport,
           Responder& responder, EncryptedOrigin origin = {}) noexcept;

  // The upstream step's outcomes. answered: false when `answer` does not answer what was
  // asked (the upstream I/O then tries the next upstream; `p` is left untouched).
  bool upstream_answered(std::unique_ptr<PendingQuery>& p, std::span<std::uint8_t> answer) noexcept;
  void upstream_failed(std::unique_ptr<PendingQuery> p) noexcept;      // serve-stale, else SERVFAIL
  void upstream_cancelled(std::unique_ptr<PendingQuery> p) noexcept;   // shutting down

  // The snapshot queries start on now (refreshed when the holder's generation moves).
  [[nodiscard]] const std::shared_ptr<const Snapshot>& snapshot() { return snapshots_.get(); }
  // This worker's rate and upstream tables (for tests and diagnostics).
  [[nodiscard]] ClientLimits& limits() noexcept { return limits_; }
  // Set before the worker starts; without one, NOTIFY gets NOTIMP like any unknown opcode.
  void set_notify(NotifyPort* port) noexcept { notify_ = port; }

 private:
  Verdict start(QueryContext& q) const;
  void complete(QueryContext& q, std::span<std::uint8_t> answer, Verdict how, Responder& r,
                std::uint64_t latency_us, bool counted) noexcept;
  void forward(QueryContext& q, std::unique_ptr<Responder> r, bool counted, UpstreamSlot slot);
  UpstreamSlot admit(QueryContext& q, bool counted) noexcept;  // empty: over an upstream limit
  Verdict over_limit(QueryContext& q);
  void refresh(QueryContext& q) noexcept;  // prefetch: the cached entry, again from upstream

  SnapshotCache snapshots_;
  NotifyPort* notify_ = nullptr;
  UpstreamPort& upstream_;
  QueryObserver& observer_;
  ClientLimits limits_;
  // Synchronous answers and upstream completions use separate buffers: an upstream step
  // that completes at once (c-ares can) never overwrites an answer still being built.
  std::array<std::uint8_t, kBufferSize> sync_scratch_{}, sync_spare_{};
  std::array<std::uint8_t, kBufferSize> async_scratch_{}, async_spare_{};
};

// The query sent upstream for q: the client's, or the same asking for q.upstream_name(),
// with the advertised EDNS UDP size capped so answers fit the upstream I/O's buffers.
// Returns its size, 0 if it does not fit `out`.
std::size_t compose_upstream_query(const QueryContext& q, std::span<std::uint8_t> out) noexcept;

}  // namespace sprout::core
