// Readers for per-device identity: devices, trusted_forwarders, dhcp_leases.
#include <algorithm>

#include "config_parser.hpp"
#include "values.hpp"

namespace sprout::config::detail {
namespace {

constexpr std::size_t kMaxCpeId = 64;

bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

}  // namespace

void ConfigParser::read_device(const std::string& name, const Field& f) {
  Device d;
  d.name = name;
  d.profile = "default";
  r_.fields(f, {
      {"macs", [&](const Field& v) { r_.items(v, [&](const Field& i) { read_device_mac(d, i); }); }},
      {"cpe_id", [&](const Field& v) {
         auto s = r_.string(v, "a CPE id");
         if (s && (s->empty() || s->size() > kMaxCpeId || !printable_ascii(*s)))
           r_.error(v, "'" + *s + "' is not a CPE id (1-64 printable characters, as given to dnsmasq --add-cpe-id)");
         else if (s) d.cpe_id = *s;
       }},
      {"profile", [&](const Field& v) { d.profile = reference(v, profiles_, "profile").value_or("default"); }, true},
      {"labels", [&](const Field& v) {
         r_.entries(v, [&](const std::string& key, const Field& l) {
           if (auto s = r_.string(l, "a string")) d.labels[key] = *s;
         });
       }},
  });
  // A device nothing can recognise is a rule that never applies: say so now (once: a bad
  // MAC or CPE id has its own error already).
  const YAML::Node& node = f.node;
  if (node.IsMap() && !node["macs"] && !node["cpe_id"])
    r_.error(f, "device needs 'macs' and/or 'cpe_id' (how Sprout recognises it)");
  cfg_->devices.push_back(std::move(d));
}

void ConfigParser::read_device_mac(Device& d, const Field& f) {
  auto text = r_.string(f, "a MAC address");
  if (!text) return;
  auto mac = parse_mac(*text);
  if (!mac) {
    r_.error(f, "'" + *text + "' is not a MAC address (expected six hex pairs, e.g. 02:00:00:00:00:0a)");
    return;
  }
  // One MAC in two devices would make the profile depend on file order.
  auto [owner, fresh] = mac_owner_.emplace(mac_to_string(*mac), d.name);
  if (!fresh) {
    r_.error(f, "'" + *text + "' is already the MAC of device '" + owner->second + "'");
    return;
  }
  d.macs.push_back(*mac);
}

void ConfigParser::read_dhcp_leases(const Field& f) {
  auto s = r_.string(f, "a file path");
  if (s && s->empty()) r_.error(f, "expected a file path (e.g. /tmp/dhcp.leases), found an empty string");
  else if (s) cfg_->dhcp_leases = resolve_path(*s);
}

// Called after the whole document: a device known only by MAC needs a way to learn MACs.
void ConfigParser::check_devices(const Field& root) {
  if (cfg_->devices.empty() || !cfg_->trusted_forwarders.empty() || !cfg_->dhcp_leases.empty()) return;
  const YAML::Node& doc = root.node;
  const YAML::Node key = doc["devices"];
  Field at{key, "devices", key.Mark()};
  r_.error(at, "devices are recognised by MAC only through 'trusted_forwarders' (a router adding --add-mac) "
               "or 'dhcp_leases' (Sprout on the router); neither is set");
}

}  // namespace sprout::config::detail
