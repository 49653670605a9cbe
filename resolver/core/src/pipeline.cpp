// Running the stages in the order build_pipeline() put them.
#include "sprout/core/pipeline.hpp"

namespace sprout::core {

Verdict Pipeline::run_query(QueryContext& q) const {
  for (const auto& stage : query_) {
    const Verdict v = stage->on_query(q);
    if (v != Verdict::next) return v;
  }
  return Verdict::next;
}

Verdict Pipeline::run_response(QueryContext& q, std::span<std::uint8_t> answer) const {
  for (const auto& stage : response_) {
    const Verdict v = stage->on_response(q, answer);
    if (v != Verdict::next) return v;
  }
  return Verdict::next;
}

}  // namespace sprout::core
