// SafeSearchAnswer: upstream was asked for the engine's safe host; the client gets
// `its name CNAME safe host` followed by the safe host's records.
#pragma once

#include "sprout/core/stage.hpp"

namespace sprout::core {

class SafeSearchAnswer final : public ResponseStage {
 public:
  [[nodiscard]] std::string_view name() const noexcept override { return "safesearch-answer"; }
  [[nodiscard]] Verdict on_response(QueryContext& q, std::span<std::uint8_t>& answer) const override;
};

}  // namespace sprout::core
