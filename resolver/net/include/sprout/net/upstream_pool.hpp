// The worker's UpstreamPort: forwards through channels built for the upstream set of the
// query's snapshot; a reload that changes the set builds new channels and lets the old ones
// drain (queries already sent finish where they started).
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <array>
#include <memory>
#include <vector>

#include "sprout/net/forwarder.hpp"

namespace sprout::net {

class UpstreamPool final : public core::UpstreamPort {
 public:
  explicit UpstreamPool(asio::io_context& io) : io_(io) {}
  ~UpstreamPool() override;
  void resolve(std::unique_ptr<core::PendingQuery> p) override;

  // Read by the control thread: index i is the i-th upstream of the set in use.
  [[nodiscard]] const UpstreamCounters& counters(std::size_t i) const noexcept { return counters_[i]; }

 private:
  Forwarder& forwarder_for(const core::Snapshot& snap);

  asio::io_context& io_;
  std::array<UpstreamCounters, kMaxUpstreams> counters_;
  std::uint64_t checked_generation_ = 0;  // the snapshot `current_` was last checked against
  std::unique_ptr<Forwarder> current_;
  std::vector<std::unique_ptr<Forwarder>> draining_;
};

}  // namespace sprout::net
