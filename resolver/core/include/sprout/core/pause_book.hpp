// Timed pauses: filtering off, or one service or domain allowed, for one device, network or
// profile until a given time. Kept in state_dir (survives a restart), shared by snapshots.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sprout::core {

struct Decision;
struct QueryContext;

enum class PauseScope : std::uint8_t { device, network, profile };
enum class PauseWhat : std::uint8_t { filtering, service, domain };

struct Pause {
  PauseScope scope = PauseScope::device;
  std::string target;                    // the device, network or profile name
  PauseWhat what = PauseWhat::filtering;
  std::string item;                      // the service or domain (empty for filtering)
  std::chrono::sys_seconds until{};
  bool operator==(const Pause&) const = default;
};

[[nodiscard]] std::string_view scope_name(PauseScope s) noexcept;
[[nodiscard]] std::string_view what_name(PauseWhat w) noexcept;

class PauseBook {
 public:
  // `path` empty: memory only (tools and tests).
  explicit PauseBook(std::string path) : path_(std::move(path)) {}
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  // Control thread. Reads the file (expired entries dropped); false with `error` if unreadable.
  bool load(std::chrono::system_clock::time_point now, std::string& error);
  // Adds (or replaces the same scope, target, what and item) and saves; false with `error`.
  bool add(Pause p, std::chrono::system_clock::time_point now, std::string& error);
  // Removes matching pauses (empty item: all of that scope and target) and saves; how many.
  std::size_t remove(PauseScope scope, std::string_view target, std::chrono::system_clock::time_point now,
                     std::string& error);

  // Any thread: the pauses not yet ended at `now`.
  [[nodiscard]] std::vector<Pause> active(std::chrono::system_clock::time_point now) const;
  [[nodiscard]] std::shared_ptr<const std::vector<Pause>> all() const { return pauses_.load(std::memory_order_acquire); }
  [[nodiscard]] bool empty() const noexcept { return count_.load(std::memory_order_relaxed) == 0; }

 private:
  bool save(const std::vector<Pause>& pauses, std::string& error) const;
  void publish(std::vector<Pause> pauses);
  std::string path_;
  std::atomic<std::shared_ptr<const std::vector<Pause>>> pauses_{std::make_shared<const std::vector<Pause>>()};
  std::atomic<std::size_t> count_{0};  // lets the hot path skip the shared_ptr load when none
};

// Applies the pauses that cover this query's device, network or profile to its decision: a
// paused block resolves instead (reason "paused"), and every answer's TTL is capped at the
// end of the pause, so nothing cached outlives it. Allocation-free.
void apply_pauses(const QueryContext& q, std::string_view qname, std::chrono::system_clock::time_point now,
                  Decision& d) noexcept;

}  // namespace sprout::core
