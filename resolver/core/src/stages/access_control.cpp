// AccessControl: the first stage, so unknown sources cost us nothing beyond a REFUSED.
#include "sprout/core/stages/access_control.hpp"

#include "sprout/dns/wire.hpp"

namespace sprout::core {

Verdict AccessControl::on_query(QueryContext& q) const {
  // An encrypted client is who its client ID says (or its listener's default), wherever it
  // roams; a plain one, or one without an ID whose address a trusted proxy told us, is where
  // its address is.
  const bool by_id = q.encrypted() && !(q.origin.by_address && q.origin.client_id.empty());
  q.network = by_id ? networks_.encrypted(q.transport == Transport::doh, q.origin.listener, q.origin.client_id)
                    : networks_.match(q.client);
  if (q.network != nullptr) return Verdict::next;
  q.action = Action::refused;
  q.respond_error(static_cast<std::uint16_t>(dns::Rcode::refused));
  return Verdict::respond;
}

}  // namespace sprout::core
