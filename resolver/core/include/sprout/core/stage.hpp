// The stage contracts, one per phase of the driver; build_pipeline() fixes their order.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "sprout/core/query_context.hpp"

namespace sprout::core {

enum class Verdict : std::uint8_t {
  next,      // go on with the next stage
  respond,   // q.response() holds a final answer Sprout made itself: finalize and send it
  answered,  // `answer` came from elsewhere (the cache): response stages, finalize, send
  drop,      // no answer at all
};

// Before parsing: transport wrappers (PROXY v2 now, DoH/DoT client IDs later).
class IngressStage {
 public:
  virtual ~IngressStage() = default;
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  [[nodiscard]] virtual Verdict on_ingress(QueryContext& q) const = 0;  // next or drop
};

// On the parsed query, before upstream. Immutable, owned by a Snapshot; must not block.
class QueryStage {
 public:
  virtual ~QueryStage() = default;
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  [[nodiscard]] virtual Verdict on_query(QueryContext& q) const = 0;
};

// On every answer that came from upstream or the cache. `answer` may be rebound to another
// buffer (q.scratch or q.spare) holding the rewritten answer; respond stops the phase.
class ResponseStage {
 public:
  virtual ~ResponseStage() = default;
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  [[nodiscard]] virtual Verdict on_response(QueryContext& q, std::span<std::uint8_t>& answer) const = 0;
};

// On every answer, whatever its source, just before it is sent: what the client's own query
// asked for (its ID and question, its transport's size). respond/drop stop the phase.
class FinalizeStage {
 public:
  virtual ~FinalizeStage() = default;
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  [[nodiscard]] virtual Verdict on_finalize(QueryContext& q, std::span<std::uint8_t>& answer) const = 0;
};

}  // namespace sprout::core
