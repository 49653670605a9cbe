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

}  // namespace

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
  auto table = std::make_shared<const LeaseTable>(LeaseTable::parse(text.str()));
  log::debug("dhcp_leases ", leases_path_, ": ", table->format() == LeaseFormat::odhcpd ? "odhcpd" : "dnsmasq", " format, ", table->leases().size(), " leases, ", table->skipped(), " unreadable lines");
  if (table->skipped() > 0) log::warn("dhcp_leases ", leases_path_, ": ", table->skipped(), " unreadable lines skipped");
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
