// Running the stages in the order build_pipeline() put them.
#include "sprout/core/pipeline.hpp"

#include <string>

namespace sprout::core {
namespace {

template <typename Stages, typename Call>
Verdict run(const Stages& stages, Call&& call) {
  for (const auto& stage : stages) {
    const Verdict v = call(*stage);
    if (v != Verdict::next) return v;
  }
  return Verdict::next;
}

template <typename Stages>
void describe_into(std::vector<std::string>& out, std::string_view phase, const Stages& stages) {
  for (const auto& s : stages) out.push_back(std::string(phase) + ":" + std::string(s->name()));
}

}  // namespace

Verdict Pipeline::run_ingress(QueryContext& q) const {
  return run(ingress_, [&](const IngressStage& s) { return s.on_ingress(q); });
}

Verdict Pipeline::run_query(QueryContext& q) const {
  return run(query_, [&](const QueryStage& s) { return s.on_query(q); });
}

Verdict Pipeline::run_response(QueryContext& q, std::span<std::uint8_t>& answer) const {
  return run(response_, [&](const ResponseStage& s) { return s.on_response(q, answer); });
}

Verdict Pipeline::run_finalize(QueryContext& q, std::span<std::uint8_t>& answer) const {
  return run(finalize_, [&](const FinalizeStage& s) { return s.on_finalize(q, answer); });
}

std::vector<std::string> Pipeline::describe() const {
  std::vector<std::string> out;
  describe_into(out, "ingress", ingress_);
  describe_into(out, "query", query_);
  describe_into(out, "response", response_);
  describe_into(out, "finalize", finalize_);
  return out;
}

}  // namespace sprout::core
