// RateLimit: a token bucket per client (address cut to a prefix), per worker.
#pragma once

#include "sprout/core/stage.hpp"

namespace sprout::core {

// After access control: only known networks spend table entries, and each client's bucket
// is keyed on the address PROXY v2 carried. Over the limit: REFUSED, or with action
// truncate TC=1 over UDP (a real client retries over TCP, a spoofed one cannot) and
// REFUSED over TCP.
class RateLimit final : public QueryStage {
 public:
  [[nodiscard]] std::string_view name() const noexcept override { return "rate-limit"; }
  [[nodiscard]] Verdict on_query(QueryContext& q) const override;
};

}  // namespace sprout::core
