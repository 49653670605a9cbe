// The devices view: one JSON value, rendered as text by the CLI.
#include "sprout/core/devices_view.hpp"

#include <ctime>
#include <sstream>

#include "sprout/config/printable.hpp"
#include "sprout/time/clock.hpp"

namespace sprout::core {
namespace {

Json configured(const Snapshot& snap) {
  Json out = Json::array();
  for (const config::Device& d : snap.config->devices) {
    Json macs = Json::array();
    for (const auto& m : d.macs) macs.push_back(config::mac_to_string(m));
    out.push_back({{"name", d.name}, {"profile", d.profile}, {"macs", macs}, {"cpe_id", d.cpe_id}, {"labels", d.labels}});
  }
  return out;
}

}  // namespace

Json devices_json(const Snapshot& snap, const std::array<std::uint64_t, kIgnoredOptions>& ignored) {
  Json unknown = Json::array();
  Json leases = Json::array();
  Json file = Json::object();
  if (const DeviceDirectory* dir = snap.directory.get()) {
    if (dir->has_leases()) {
      const auto table = dir->leases();
      file = {{"path", dir->leases_path()}, {"format", table->format() == LeaseFormat::odhcpd ? "odhcpd" : "dnsmasq"},
              {"leases", table->leases().size()}, {"unreadable_lines", table->skipped()}};
    }
    for (const UnknownDevice& u : dir->unknown()) {
      unknown.push_back({{"mac", config::mac_to_string(u.mac)}, {"host", u.host}, {"first_seen", time::format_iso8601_utc(u.first_seen)},
                         {"last_seen", time::format_iso8601_utc(u.last_seen)}, {"queries", u.queries}});
    }
    for (const Lease& l : dir->leases()->leases()) {
      if (snap.devices.by_mac(l.mac) != nullptr) continue;  // named already
      leases.push_back({{"mac", config::mac_to_string(l.mac)}, {"address", l.address.to_string()}, {"host", l.host}});
    }
  }
  return {{"devices", configured(snap)},
          {"unknown_seen", unknown},
          {"unknown_leases", leases},
          {"leases_file", file},
          {"options_ignored", {{"untrusted", ignored[static_cast<std::size_t>(IgnoredOption::untrusted)]},
                               {"malformed", ignored[static_cast<std::size_t>(IgnoredOption::malformed)]},
                               {"duplicate", ignored[static_cast<std::size_t>(IgnoredOption::duplicate)]}}}};
}

std::string devices_text(const Json& view) {
  std::ostringstream o;
  const auto str = [](const Json& j, const char* key) { return config::printable(j.value(key, std::string())); };
  o << "devices:\n";
  for (const Json& d : view.at("devices")) {
    o << "  " << str(d, "name") << "  profile " << str(d, "profile") << "  macs";
    for (const Json& m : d.at("macs")) o << " " << m.get<std::string>();
    if (!d.value("cpe_id", std::string()).empty()) o << "  cpe " << str(d, "cpe_id");
    o << "\n";
  }
  o << "unknown MACs seen in queries (kept in memory only, lost at restart):\n";
  for (const Json& u : view.at("unknown_seen")) {
    o << "  " << str(u, "mac") << "  " << (u.value("host", std::string()).empty() ? "-" : str(u, "host")) << "  "
      << u.value("queries", 0) << " queries, last " << str(u, "last_seen") << "\n";
  }
  o << "DHCP leases with no device:\n";
  for (const Json& l : view.at("unknown_leases")) {
    o << "  " << str(l, "mac") << "  " << str(l, "address") << "  " << (l.value("host", std::string()).empty() ? "-" : str(l, "host")) << "\n";
  }
  if (const Json& f = view.value("leases_file", Json::object()); !f.empty()) {
    o << "leases file " << str(f, "path") << " (" << str(f, "format") << "): " << f.value("leases", 0) << " leases, "
      << f.value("unreadable_lines", 0) << " unreadable lines skipped\n";
  }
  const Json& ignored = view.at("options_ignored");
  o << "identity options ignored: " << ignored.value("untrusted", 0) << " from untrusted senders, "
    << ignored.value("malformed", 0) << " malformed, " << ignored.value("duplicate", 0) << " duplicated\n";
  return o.str();
}

}  // namespace sprout::core
