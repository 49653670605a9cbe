// The opt-in query log (off by default): pseudonymized clients, retention, per-network opt-out.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sprout/stats/sqlite_handle.hpp"
#include "sprout/stats/status.hpp"

namespace sprout::stats {

using PseudonymKey = std::array<std::uint8_t, 32>;

// HMAC-SHA256(key of the day, day + client address), truncated to 16 hex characters. The
// key is random, lives only in memory and is replaced when the local day changes (and at
// every start), so one device links within a day and never across days or restarts.
class Pseudonymizer {
 public:
  using KeySource = std::function<PseudonymKey()>;
  explicit Pseudonymizer(int utc_offset_minutes = 0, KeySource source = random_key);
  ~Pseudonymizer();
  Pseudonymizer(const Pseudonymizer&) = delete;
  Pseudonymizer& operator=(const Pseudonymizer&) = delete;

  // `client`: any stable form of the address (text or bytes); it is never stored.
  [[nodiscard]] std::string pseudonym(std::string_view client, std::int64_t now);
  static PseudonymKey random_key();  // OpenSSL RAND_bytes

 private:
  int utc_offset_minutes_;
  KeySource source_;
  std::int64_t key_day_ = -1;
  PseudonymKey key_{};
};

struct QueryLogOptions {
  bool enabled = false;                    // off by default
  std::string db_path;                     // its own SQLite file, apart from the stats store
  int retention_days = 7;
  std::set<std::string> opt_out_networks;  // never logged
  int utc_offset_minutes = 0;
  std::size_t max_buffered = 50000;        // entries waiting for flush; more are dropped and counted
};

struct QueryLogEntry {
  std::int64_t timestamp = 0;  // unix seconds
  std::string network;
  std::string qname;
  std::uint16_t qtype = 0;
  std::string action;          // report_action_name()
  std::string category;        // "" none
  std::string client;          // the address: pseudonymized at flush, never stored
};

enum class ExportFormat { csv, json_lines };

class QueryLog {
 public:
  explicit QueryLog(QueryLogOptions options, Pseudonymizer::KeySource keys = Pseudonymizer::random_key);

  Status open();  // creates the file and schema; does nothing when disabled
  [[nodiscard]] bool enabled() const noexcept { return options_.enabled; }
  // Thread-safe. Pseudonymizes at once: the buffer never holds an address.
  void record(const QueryLogEntry& entry);
  Status flush();  // one transaction
  Status enforce_retention(std::int64_t now);
  // Entries of the local dates [from, to], oldest first.
  Status export_range(const Date& from, const Date& to, ExportFormat format, std::ostream& out);
  [[nodiscard]] std::uint64_t dropped() const;

 private:
  struct Row {
    std::int64_t timestamp;
    std::string network, qname;
    std::uint16_t qtype;
    std::string action, category, client;  // client: the address until flush, then its pseudonym
  };
  void pseudonymize(std::vector<Row>& rows);  // control thread: flush only
  Status ensure_open();
  Status fail(std::string_view what) const;

  QueryLogOptions options_;
  mutable std::mutex mutex_;  // guards buffer_, dropped_
  Pseudonymizer pseudonymizer_;  // control thread only (flush)
  std::vector<Row> buffer_;
  std::uint64_t dropped_ = 0;
  Database db_;  // used by the control thread only (flush, retention, export)
  Statement insert_;
};

}  // namespace sprout::stats
