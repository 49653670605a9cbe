// AnswerInspection (CNAME cloaking, blocked answer addresses) and TtlClamp (schedule windows);
// an answer either cannot read becomes SERVFAIL: inspection never fails open.
#pragma once

#include "sprout/core/stage.hpp"

namespace sprout::core {

// Every CNAME target in the answer gets the same decision as a query for it would; A/AAAA
// data pointing into config.blocked_answers is blocked. Runs on upstream and cached answers.
class AnswerInspection final : public ResponseStage {
 public:
  [[nodiscard]] std::string_view name() const noexcept override { return "answer-inspection"; }
  [[nodiscard]] Verdict on_response(QueryContext& q, std::span<std::uint8_t>& answer) const override;
};

// No record leaves with a TTL past the profile's next schedule change.
class TtlClamp final : public ResponseStage {
 public:
  [[nodiscard]] std::string_view name() const noexcept override { return "ttl-clamp"; }
  [[nodiscard]] Verdict on_response(QueryContext& q, std::span<std::uint8_t>& answer) const override;
};

// Writes the profile's blocked answer for `d` into q.scratch (shared with PolicyDecision).
void respond_blocked(QueryContext& q, const Decision& d);

// An answer a response stage cannot read: SERVFAIL in `answer`, never the answer unchecked.
Verdict respond_unreadable(QueryContext& q, std::span<std::uint8_t>& answer);

}  // namespace sprout::core
