// CacheLookup and CacheInsert: the packet cache around the one async step.
#pragma once

#include "sprout/core/stage.hpp"

namespace sprout::core {

// After policy: a hit goes on to the response stages like an upstream answer would.
class CacheLookup final : public QueryStage {
 public:
  [[nodiscard]] std::string_view name() const noexcept override { return "cache-lookup"; }
  [[nodiscard]] Verdict on_query(QueryContext& q) const override;
};

// First response stage: stores upstream's answer before later stages tailor it to this client.
class CacheInsert final : public ResponseStage {
 public:
  [[nodiscard]] std::string_view name() const noexcept override { return "cache-insert"; }
  [[nodiscard]] Verdict on_response(QueryContext& q, std::span<std::uint8_t>& answer) const override;
};

// Serve-stale (RFC 8767), part of the upstream step: when every upstream failed, an expired
// answer (short TTLs) goes to q.response() for the response stages. False: none.
bool serve_stale(QueryContext& q);

}  // namespace sprout::core
