// ProxyUnwrap: only configured front ends may speak for someone else.
#include "sprout/core/stages/proxy_unwrap.hpp"

#include "sprout/core/proxy_protocol.hpp"

namespace sprout::core {

Verdict ProxyUnwrap::on_ingress(QueryContext& q) const {
  if (q.stream() || cfg_.proxy_protocol.empty() || !is_trusted_proxy(cfg_, q.client)) return Verdict::next;
  const ProxyHeader h = parse_proxy_v2(q.wire);
  if (h.status == ProxyStatus::absent) return Verdict::next;  // the front end asking for itself
  if (h.status != ProxyStatus::ok && h.status != ProxyStatus::local) return Verdict::drop;
  if (h.status == ProxyStatus::ok) q.client = h.source;
  q.wire = q.wire.subspan(h.length);
  return Verdict::next;
}

}  // namespace sprout::core
