// One zone transfer over TCP (Asio): each configured primary in turn until one answers,
// every message checked by ResponseReader; an IXFR the primary cannot continue falls back
// to AXFR. The whole transfer, connect to last message, is bounded by `max_time`.
#pragma once

#include <utility>  // before Asio (Boost 1.74)

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "sprout/config/config.hpp"
#include "sprout/transfer/rpz_zone.hpp"
#include "sprout/transfer/zone_transfer.hpp"

namespace sprout::transfer {

struct TransferResult {
  Outcome outcome = Outcome::failed;  // up_to_date, full_zone, incremental or failed
  std::optional<RpzZone> zone;        // full_zone: the new zone (transfer_zone_now: incremental too)
  std::optional<ZoneDelta> delta;     // incremental: what changed from `current`
  std::string primary;                // the one that answered (or the last tried)
  std::string error;                  // failed: every primary's reason
  std::size_t messages = 0;
  std::chrono::milliseconds took{0};
};

// `current` (null: none) must live until the transfer ends; it is only read.
boost::asio::awaitable<TransferResult> transfer_zone(const config::Transfer& t, std::uint64_t max_bytes,
                                                     const RpzZone* current);

// Blocking wrapper for tools and tests: runs transfer_zone on its own io_context; an
// incremental result also carries the whole new zone (`current` with the delta applied).
TransferResult transfer_zone_now(const config::Transfer& t, std::uint64_t max_bytes, std::optional<RpzZone> current);

}  // namespace sprout::transfer
