// The ordered stages of one Snapshot, phase by phase.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sprout/core/stage.hpp"

namespace sprout::core {

class Pipeline {
 public:
  template <typename Stage, typename... Args>
  void ingress(Args&&... args) { ingress_.push_back(std::make_unique<Stage>(std::forward<Args>(args)...)); }
  template <typename Stage, typename... Args>
  void query(Args&&... args) { query_.push_back(std::make_unique<Stage>(std::forward<Args>(args)...)); }
  template <typename Stage, typename... Args>
  void response(Args&&... args) { response_.push_back(std::make_unique<Stage>(std::forward<Args>(args)...)); }
  template <typename Stage, typename... Args>
  void finalize(Args&&... args) { finalize_.push_back(std::make_unique<Stage>(std::forward<Args>(args)...)); }

  // Each runs its phase's stages in order until one returns something other than next.
  [[nodiscard]] Verdict run_ingress(QueryContext& q) const;
  [[nodiscard]] Verdict run_query(QueryContext& q) const;
  [[nodiscard]] Verdict run_response(QueryContext& q, std::span<std::uint8_t>& answer) const;
  [[nodiscard]] Verdict run_finalize(QueryContext& q, std::span<std::uint8_t>& answer) const;

  // "phase:stage" in run order, for the test that pins the order and for diagnostics.
  [[nodiscard]] std::vector<std::string> describe() const;

 private:
  std::vector<std::unique_ptr<IngressStage>> ingress_;
  std::vector<std::unique_ptr<QueryStage>> query_;
  std::vector<std::unique_ptr<ResponseStage>> response_;
  std::vector<std::unique_ptr<FinalizeStage>> finalize_;
};

}  // namespace sprout::core
