// Audit log: atomic line appends, rotation by size, reading back the newest entries.
#include "sprout/core/audit_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <limits>

#include "sprout/config/printable.hpp"
#include "sprout/time/clock.hpp"

namespace sprout::core {
namespace {

// Appends `line` with one write(2): O_APPEND makes it land whole at the end.
bool write_line(const std::string& path, const std::string& line, std::string& error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  const ssize_t n = ::write(fd, line.data(), line.size());
  const int saved = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size())) {
    error = "cannot write " + path + ": " + (n < 0 ? std::strerror(saved) : "short write");
    return false;
  }
  return true;
}

void read_lines(const std::string& path, std::size_t limit, std::deque<Json>& out) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    Json j = Json::parse(line, nullptr, false);
    if (!j.is_object()) continue;  // a partial last line after a crash
    out.push_back(std::move(j));
    if (out.size() > limit) out.pop_front();
  }
}

}  // namespace

Json to_json(const AuditEntry& e) {
  Json j = {{"id", e.id}, {"time", time::format_iso8601_utc(e.time)}, {"principal", e.principal}, {"action", e.action},
            {"target", e.target}, {"before", e.before}, {"after", e.after}};
  if (e.undoes != 0) j["undoes"] = e.undoes;
  return j;
}

std::uint64_t AuditLog::append(const AuditEntry& entry, std::string& error) {
  std::lock_guard lock(mutex_);
  if (next_id_ == 0) {
    // Ids go on from the newest entry kept (entries written before ids existed count as 0).
    next_id_ = 1;
    for (const Json& j : read(path_, std::numeric_limits<std::size_t>::max())) {
      if (j.contains("id") && j["id"].is_number_unsigned()) next_id_ = std::max(next_id_, j["id"].get<std::uint64_t>() + 1);
    }
  }
  AuditEntry e = entry;
  e.id = next_id_;
  const std::string line = dump_json(to_json(e)) + "\n";
  struct stat st{};
  if (::stat(path_.c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_size) + line.size() > max_bytes_ && st.st_size > 0) {
    const std::string older = path_ + ".1";
    if (std::rename(path_.c_str(), older.c_str()) != 0) {
      error = "cannot rotate " + path_ + ": " + std::strerror(errno);
      return 0;
    }
  }
  if (!write_line(path_, line, error)) return 0;
  return next_id_++;
}

std::optional<Json> AuditLog::find(std::uint64_t id) const {
  for (Json& j : recent(std::numeric_limits<std::size_t>::max())) {
    if (j.contains("id") && j["id"] == id) return std::move(j);
  }
  return std::nullopt;
}

std::vector<Json> AuditLog::read(const std::string& path, std::size_t limit) {
  std::deque<Json> lines;
  read_lines(path + ".1", limit, lines);
  read_lines(path, limit, lines);
  return {lines.begin(), lines.end()};
}

std::vector<Json> AuditLog::recent(std::size_t limit) const {
  std::lock_guard lock(mutex_);
  return read(path_, limit);
}

std::string audit_text(const std::vector<Json>& entries) {
  std::string out;
  const auto str = [](const Json& j, const char* key) {
    const auto it = j.find(key);
    return config::printable(it != j.end() && it->is_string() ? it->get<std::string>() : dump_json(it != j.end() ? *it : Json()));
  };
  for (const Json& e : entries) {
    out += str(e, "time") + "  " + str(e, "principal") + "  " + str(e, "action") + "  " + str(e, "target") + "  " +
           str(e, "before") + " -> " + str(e, "after") + "\n";
  }
  return out;
}

}  // namespace sprout::core
