// DeviceIdentity: which device behind a home router asked, from a trusted router's EDNS options
// or the DHCP leases; the most specific identity (device, then network) picks the profile.
#pragma once

#include "sprout/core/stage.hpp"

namespace sprout::core {

class DeviceIdentity final : public QueryStage {
 public:
  [[nodiscard]] std::string_view name() const noexcept override { return "device-identity"; }
  [[nodiscard]] Verdict on_query(QueryContext& q) const override;  // always next
};

}  // namespace sprout::core
