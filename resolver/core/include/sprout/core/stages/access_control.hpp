// AccessControl: refuses sources outside every configured network (no open resolver).
#pragma once

#include "sprout/core/network_table.hpp"
#include "sprout/core/stage.hpp"

namespace sprout::core {

class AccessControl final : public QueryStage {
 public:
  explicit AccessControl(const NetworkTable& networks) : networks_(networks) {}
  [[nodiscard]] std::string_view name() const noexcept override { return "access-control"; }
  [[nodiscard]] Verdict on_query(QueryContext& q) const override;

 private:
  const NetworkTable& networks_;  // owned by the same Snapshot
};

}  // namespace sprout::core
