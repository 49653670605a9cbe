// The synchronous part of serving a query: parse, decide, and finish upstream answers.
#pragma once

#include <cstdint>
#include <span>

#include "sprout/core/query_context.hpp"
#include "sprout/core/snapshot.hpp"

namespace sprout::core {

enum class Outcome : std::uint8_t { drop, respond, forward };

// Parses q.view from `wire` and runs the snapshot's query stages. `respond`: the answer is
// in q.response(); `forward`: ask upstream. Never throws.
Outcome handle_query(std::span<const std::uint8_t> wire, QueryContext& q) noexcept;

// Finishes an upstream answer for the client: checks it answers the question, restores the
// ID, runs response stages and truncates for UDP. Returns the bytes to send (inside `answer`
// or q.scratch), or an empty span when the answer must be discarded.
std::span<const std::uint8_t> finish_answer(QueryContext& q, std::span<std::uint8_t> answer) noexcept;

// Copies the client's query for upstream, capping the advertised EDNS UDP size so upstream
// answers fit the forwarder's buffers (larger answers come back over TCP). Returns the size.
// A SafeSearch rewrite asks upstream for the safe host instead.
std::size_t prepare_upstream_query(const QueryContext& q, std::span<std::uint8_t> out) noexcept;

}  // namespace sprout::core
