// CacheLookup and CacheInsert: the packet cache around the one async step.
#pragma once

#include "sprout/core/stage.hpp"

namespace sprout::core {

// After policy: a hit is finished (ID, question, response stages) and answered at once.
class CacheLookup final : public QueryStage {
 public:
  [[nodiscard]] std::string_view name() const noexcept override { return "cache-lookup"; }
  [[nodiscard]] Verdict on_query(QueryContext& q) const override;
};

// First response stage: stores upstream's answer before later stages tailor it to this client.
class CacheInsert final : public ResponseStage {
 public:
  [[nodiscard]] std::string_view name() const noexcept override { return "cache-insert"; }
  [[nodiscard]] Verdict on_response(QueryContext& q, std::span<std::uint8_t> answer) const override;
};

// Serve-stale (RFC 8767): called when every upstream failed. True: q.response() holds an
// expired answer with short TTLs, finished for the client.
bool serve_stale(QueryContext& q);

}  // namespace sprout::core
