// Per-query state carried through the pipeline stages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "sprout/config/config.hpp"
#include "sprout/dns/query_view.hpp"
#include "sprout/core/decision.hpp"

namespace sprout::core {

struct Snapshot;
struct NetworkPolicy;

// What happened to a query, for counters and reports.
enum class Action : std::uint8_t {
  allowed, blocked, refused, formerr, notimp, servfail, dropped, kCount
};

enum class AnswerSource : std::uint8_t { none, synthesized, upstream, cache };

struct QueryContext {
  dns::QueryView view;
  config::IpAddress client;
  bool tcp = false;
  const Snapshot* snapshot = nullptr;        // pinned for the whole query
  const NetworkPolicy* network = nullptr;    // set by ClientIdentity
  std::span<std::uint8_t> scratch;           // worker-owned buffer for synthesized answers
  std::size_t response_size = 0;             // bytes of `scratch` holding the answer
  Action action = Action::allowed;
  AnswerSource source = AnswerSource::none;
  Decision decision;                         // set by PolicyDecision
  bool prefetch = false;                     // a cache hit asks for a background refresh

  [[nodiscard]] std::span<const std::uint8_t> response() const noexcept { return scratch.first(response_size); }
  // Writes an error answer (rcode, or BADVERS when 16) into scratch.
  void respond_error(std::uint16_t rcode) noexcept;
};

}  // namespace sprout::core
