// PolicyDecision: applies decide() and answers blocked names itself.
#pragma once

#include "sprout/core/stage.hpp"

namespace sprout::core {

class PolicyDecision final : public QueryStage {
 public:
  [[nodiscard]] std::string_view name() const noexcept override { return "policy"; }
  [[nodiscard]] Verdict on_query(QueryContext& q) const override;
};

}  // namespace sprout::core
