// ProxyUnwrap: datagrams from a trusted front end start with a PROXY v2 header carrying
// the real client's address (streams read theirs once per connection, in the transport).
#pragma once

#include "sprout/core/stage.hpp"

namespace sprout::core {

class ProxyUnwrap final : public IngressStage {
 public:
  explicit ProxyUnwrap(const config::Config& cfg) : cfg_(cfg) {}
  [[nodiscard]] std::string_view name() const noexcept override { return "proxy-v2"; }
  [[nodiscard]] Verdict on_ingress(QueryContext& q) const override;

 private:
  const config::Config& cfg_;  // owned by the same Snapshot
};

}  // namespace sprout::core
