// DeviceIdentity: options are believed only from trusted forwarders; everything else is ignored
// and counted, never an error for the client.
#include "sprout/core/stages/device_identity.hpp"

#include "sprout/core/device_directory.hpp"
#include "sprout/core/snapshot.hpp"

namespace sprout::core {
namespace {

// The router's own options: a full-length client subnet is the device's address (for its
// network and its lease), a MAC names the device. Without dnsmasq's --strip-mac a client
// could have put its own MAC option in, which is why the README's router setup sets it.
void read_trusted(QueryContext& q, const dns::ClientOptions& o) {
  if (o.ecs_is_host()) {
    q.client = o.ecs_family == 1 ? config::IpAddress::from_v4(o.ecs_address.data())
                                 : config::IpAddress::from_v6(o.ecs_address.data());
  }
  if (o.has_mac) {
    q.mac = o.mac;
    q.has_mac = true;
  }
}

}  // namespace

Verdict DeviceIdentity::on_query(QueryContext& q) const {
  const Snapshot& snap = *q.snapshot;
  const dns::ClientOptions& o = q.view.client_options;
  DeviceDirectory* dir = snap.directory.get();
  const bool trusted = o.present && snap.devices.trusted(q.client);
  // Counted per worker through the query's counters (record_query), never a shared atomic.
  if (o.present && !trusted) q.ignored_options[static_cast<std::size_t>(IgnoredOption::untrusted)] = o.count;
  if (trusted) {
    q.ignored_options[static_cast<std::size_t>(IgnoredOption::malformed)] = o.malformed;
    q.ignored_options[static_cast<std::size_t>(IgnoredOption::duplicate)] = o.duplicated;
  }
  if (trusted) read_trusted(q, o);
  std::shared_ptr<const LeaseTable> leases;  // keeps `host` alive until the end
  std::string_view host;
  if (!q.has_mac && dir != nullptr && dir->has_leases()) {
    // Sprout on the router itself: the client's address is on the LAN, its lease has the MAC.
    leases = dir->leases();
    if (const Lease* l = leases->find(q.client)) {
      q.mac = l->mac;
      q.has_mac = true;
      host = l->host;
    }
  }
  if (q.has_mac) {
    q.device = snap.devices.by_mac(q.mac);
    if (q.device == nullptr && dir != nullptr) dir->note_unknown(q.mac, host, snap.clock_now());
  }
  if (q.device == nullptr && trusted && o.cpe_size != 0) q.device = snap.devices.by_cpe(o.cpe_id(q.view.wire));
  return Verdict::next;
}

}  // namespace sprout::core
