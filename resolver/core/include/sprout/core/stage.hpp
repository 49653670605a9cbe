// The stage contract: small immutable decision steps run in the order build_pipeline() fixes.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "sprout/core/query_context.hpp"

namespace sprout::core {

enum class Verdict : std::uint8_t { next, respond, drop };

class QueryStage {  // immutable, owned by a Snapshot; must not block
 public:
  virtual ~QueryStage() = default;
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  // respond => q.response_size bytes of q.scratch hold the answer.
  [[nodiscard]] virtual Verdict on_query(QueryContext& q) const = 0;
};

class ResponseStage {  // runs on every answer that came from upstream (or cache)
 public:
  virtual ~ResponseStage() = default;
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  // May rewrite `answer` in place (respond => answer replaced by q.scratch).
  [[nodiscard]] virtual Verdict on_response(QueryContext& q, std::span<std::uint8_t> answer) const = 0;
};

}  // namespace sprout::core
