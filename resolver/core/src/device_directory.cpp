// Leases file parsing and change detection; the bounded in-memory record of unknown MACs.
#include "sprout/core/device_directory.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "sprout/core/log.hpp"

namespace sprout::core {
namespace {

constexpr std::size_t kMaxLeasesFile = 4u << 20;  // a router's lease file is kilobytes

bool address_less(const config::IpAddress& a, const config::IpAddress& b) noexcept { return a.bytes < b.bytes; }

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  while (!line.empty()) {
    const auto start = line.find_first_not_of(" \t\r");
    if (start == std::string_view::npos) break;
    line.remove_prefix(start);
    const auto end = line.find_first_of(" \t\r");
    out.push_back(line.substr(0, end));
    line.remove_prefix(end == std::string_view::npos ? line.size() : end);
  }
  return out;
}

}  // namespace

LeaseTable LeaseTable::parse_dnsmasq(std::string_view text) {
  LeaseTable t;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    const auto f = fields(line);
    if (f.empty() || f[0] == "duid") continue;  // the DHCPv6 server's own DUID line
    const auto mac = f.size() >= 3 ? config::parse_mac(f[1]) : std::nullopt;
    const auto address = mac ? config::IpAddress::parse(f[2]) : std::nullopt;
    if (!address) {
      // IPv6 leases carry an IAID where the MAC would be: not an error, just no MAC.
      if (f.size() < 3 || f[2].find(':') == std::string_view::npos) ++t.skipped_;
      continue;
    }
    Lease l{*address, *mac, f.size() >= 4 && f[3] != "*" ? std::string(f[3]) : std::string()};
    t.leases_.push_back(std::move(l));
  }
  std::stable_sort(t.leases_.begin(), t.leases_.end(), [](const Lease& a, const Lease& b) { return address_less(a.address, b.address); });
  return t;
}

const Lease* LeaseTable::find(const config::IpAddress& address) const noexcept {
  const auto it = std::lower_bound(leases_.begin(), leases_.end(), address,
                                   [](const Lease& l, const config::IpAddress& a) { return address_less(l.address, a); });
  return it != leases_.end() && it->address == address ? &*it : nullptr;
}

bool DeviceDirectory::refresh_leases() {
  if (leases_path_.empty()) return false;
  struct stat st{};
  if (::stat(leases_path_.c_str(), &st) != 0) return false;
  const std::array<std::int64_t, 3> stamp{static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
                                          static_cast<std::int64_t>(st.st_size), static_cast<std::int64_t>(st.st_ino)};
  if (stamp == file_stamp_) return false;
  if (static_cast<std::size_t>(st.st_size) > kMaxLeasesFile) {
    log::warn("dhcp_leases ", leases_path_, ": larger than 4 MiB, not read");
    file_stamp_ = stamp;
    return false;
  }
  std::ifstream in(leases_path_, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  file_stamp_ = stamp;
  auto table = std::make_shared<const LeaseTable>(LeaseTable::parse_dnsmasq(text.str()));
  log::debug("dhcp_leases ", leases_path_, ": ", table->leases().size(), " leases, ", table->skipped(), " unreadable lines");
  leases_.store(std::move(table), std::memory_order_release);
  return true;
}

void DeviceDirectory::note_unknown(const config::MacAddress& mac, std::string_view host,
                                   std::chrono::system_clock::time_point now) noexcept {
  std::lock_guard lock(unknown_mutex_);
  Slot* slot = nullptr;
  for (std::size_t i = 0; i < unknown_used_ && slot == nullptr; ++i) {
    if (unknown_[i].mac == mac) slot = &unknown_[i];
  }
  if (slot == nullptr) {
    slot = unknown_used_ < kMaxUnknown ? &unknown_[unknown_used_++]
                                       : &*std::min_element(unknown_.begin(), unknown_.end(), [](const Slot& a, const Slot& b) {
                                           return a.last_seen < b.last_seen;
                                         });
    *slot = Slot{};
    slot->mac = mac;
    slot->first_seen = now;
  }
  if (!host.empty()) {
    const std::size_t n = std::min(host.size(), slot->host.size() - 1);
    std::memcpy(slot->host.data(), host.data(), n);
    slot->host[n] = '\0';
  }
  slot->last_seen = now;
  ++slot->queries;
}

std::vector<UnknownDevice> DeviceDirectory::unknown() const {
  std::vector<UnknownDevice> out;
  std::lock_guard lock(unknown_mutex_);
  for (std::size_t i = 0; i < unknown_used_; ++i) {
    const Slot& s = unknown_[i];
    out.push_back({s.mac, std::string(s.host.data()), s.first_seen, s.last_seen, s.queries});
  }
  std::sort(out.begin(), out.end(), [](const UnknownDevice& a, const UnknownDevice& b) { return a.last_seen > b.last_seen; });
  return out;
}

}  // namespace sprout::core
