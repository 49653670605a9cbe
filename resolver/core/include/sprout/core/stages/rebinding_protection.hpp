// RebindingProtection: a public name whose upstream answer points into this side of the
// network (loopback, private, link-local, CGNAT, unspecified) is blocked.
#pragma once

#include "sprout/config/config.hpp"
#include "sprout/core/stage.hpp"

namespace sprout::core {

// After AnswerInspection (a category block says more than a rebinding one) and on cached
// answers too. Names under the profile's rebinding_allow and the built-in local suffixes
// pass; Sprout's own answers (blocked, block page) never reach a response stage.
class RebindingProtection final : public ResponseStage {
 public:
  [[nodiscard]] std::string_view name() const noexcept override { return "rebinding-protection"; }
  [[nodiscard]] Verdict on_response(QueryContext& q, std::span<std::uint8_t>& answer) const override;
};

// 127/8, 10/8, 172.16/12, 192.168/16, 169.254/16, 100.64/10, 0/8, ::, ::1, fc00::/7,
// fe80::/10, and IPv4-mapped IPv6 forms of the IPv4 ones.
[[nodiscard]] bool is_rebinding_target(const config::IpAddress& a) noexcept;

}  // namespace sprout::core
