// The audit log: who changed what, when, from what to what; JSON lines in state_dir, capped.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sprout/core/json.hpp"

namespace sprout::core {

struct AuditEntry {
  std::chrono::system_clock::time_point time;
  std::string principal;  // who: "token" (the admin API), "cli" (sproutdns through it), ...
  std::string action;     // what: "pause", "pause-cancel", ...
  std::string target;     // on what: "device tablet-an"
  Json before, after;     // the target's state around the change (null: none)
  std::uint64_t undoes = 0;  // an "undo" entry: the id of the entry it reverted
  std::uint64_t id = 0;      // set by AuditLog::append: 1, 2, ... across restarts and rotations
};

[[nodiscard]] Json to_json(const AuditEntry& e);

// One line per entry, each written by a single write(2) on an O_APPEND descriptor, so lines
// from one process never interleave and a crash leaves at most one partial last line (which
// readers skip). When the file would pass `max_bytes` it becomes `<path>.1` (replacing the
// older one) and a new file starts: at most twice max_bytes on disk, the newest kept.
// Any thread (a mutex orders appends and rotation); never on the DNS hot path.
class AuditLog {
 public:
  static constexpr std::uint64_t kDefaultMaxBytes = 1u << 20;
  explicit AuditLog(std::string path, std::uint64_t max_bytes = kDefaultMaxBytes)
      : path_(std::move(path)), max_bytes_(max_bytes) {}
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  // The entry's id (one more than the newest in the files), or 0 with `error` when it could
  // not be written (it is then lost).
  std::uint64_t append(const AuditEntry& e, std::string& error);
  // The entry with this id, if the files still hold it.
  [[nodiscard]] std::optional<Json> find(std::uint64_t id) const;
  // The newest `limit` entries, oldest first, from the rotated and the current file.
  [[nodiscard]] std::vector<Json> recent(std::size_t limit) const;
  // Reads a log without writing to it (the CLI when the server is down).
  [[nodiscard]] static std::vector<Json> read(const std::string& path, std::size_t limit);

 private:
  std::string path_;
  std::uint64_t max_bytes_;
  std::uint64_t next_id_ = 0;  // 0: not read from the files yet
  mutable std::mutex mutex_;
};

// "2026-12-01T08:00:00Z  cli  pause  device tablet-an  [] -> [...]" per entry, escaped.
[[nodiscard]] std::string audit_text(const std::vector<Json>& entries);

}  // namespace sprout::core
