// The ordered list of query and response stages of one Snapshot.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "sprout/core/stage.hpp"

namespace sprout::core {

class Pipeline {
 public:
  template <typename Stage, typename... Args>
  void query(Args&&... args) {
    query_.push_back(std::make_unique<Stage>(std::forward<Args>(args)...));
  }
  template <typename Stage, typename... Args>
  void response(Args&&... args) {
    response_.push_back(std::make_unique<Stage>(std::forward<Args>(args)...));
  }

  // Runs query stages until one answers or drops; `next` means: ask upstream.
  [[nodiscard]] Verdict run_query(QueryContext& q) const;
  [[nodiscard]] Verdict run_response(QueryContext& q, std::span<std::uint8_t> answer) const;

 private:
  std::vector<std::unique_ptr<QueryStage>> query_;
  std::vector<std::unique_ptr<ResponseStage>> response_;
};

}  // namespace sprout::core
