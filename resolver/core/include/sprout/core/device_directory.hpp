// What Sprout learns about devices while it runs: DHCP leases (address -> MAC) and MACs no
// configured device has. Shared by every snapshot; kept in memory only, never written.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sprout/config/config.hpp"
#include "sprout/core/lease_table.hpp"

namespace sprout::core {

// A MAC seen in queries that no configured device has, so a parent can name it.
struct UnknownDevice {
  config::MacAddress mac{};
  std::string host;  // from the DHCP lease, if any
  std::chrono::system_clock::time_point first_seen, last_seen;
  std::uint64_t queries = 0;
};

class DeviceDirectory {
 public:
  static constexpr std::size_t kMaxUnknown = 64;  // bounded: the least recently seen is forgotten

  explicit DeviceDirectory(std::string leases_path) : leases_path_(std::move(leases_path)) {}
  [[nodiscard]] const std::string& leases_path() const noexcept { return leases_path_; }
  // Control thread: re-reads the leases file when its size, time or inode changed. A file
  // that cannot be read keeps the last table (a router rewriting it is not an outage).
  // Returns true when a new table was published.
  bool refresh_leases();
  [[nodiscard]] std::shared_ptr<const LeaseTable> leases() const { return leases_.load(std::memory_order_acquire); }
  [[nodiscard]] bool has_leases() const noexcept { return !leases_path_.empty(); }

  // Workers: a MAC no device has. Never allocates; contention only among unknown devices.
  void note_unknown(const config::MacAddress& mac, std::string_view host,
                    std::chrono::system_clock::time_point now) noexcept;
  [[nodiscard]] std::vector<UnknownDevice> unknown() const;

 private:
  struct Slot {
    config::MacAddress mac{};
    std::array<char, 32> host{};
    std::chrono::system_clock::time_point first_seen, last_seen;
    std::uint64_t queries = 0;
  };
  std::string leases_path_;
  std::atomic<std::shared_ptr<const LeaseTable>> leases_{std::make_shared<const LeaseTable>()};
  std::array<std::int64_t, 3> file_stamp_{-1, -1, -1};  // mtime ns, size, inode
  mutable std::mutex unknown_mutex_;
  std::array<Slot, kMaxUnknown> unknown_{};
  std::size_t unknown_used_ = 0;
};

}  // namespace sprout::core
