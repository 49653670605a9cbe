// The central store's writer: a dedicated thread that takes batches from the control
// thread (never blocking it, and never touched by DNS workers), spools them locally in
// SQLite and sends them to PostgreSQL in order, retrying while it is unreachable.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sprout/stats/central_store.hpp"
#include "sprout/stats/stats_spool.hpp"

namespace sprout::stats {

struct CentralWriterOptions {
  StatsOptions store;                          // store.pg_conninfo: where to write
  std::string instance;
  std::map<std::string, std::string> labels;   // the instance's (province, district, ...)
  std::string spool_path;
  std::size_t spool_max = 10080;
  std::string report_role = "sprout_report";
  std::chrono::milliseconds retry_min{500};    // backoff while PostgreSQL is away, doubling
  std::chrono::milliseconds retry_max{30000};
};

struct CentralWriterCounters {
  std::atomic<std::uint64_t> sent{0};          // batches PostgreSQL has
  std::atomic<std::uint64_t> dropped{0};       // batches the full spool dropped (oldest first)
  std::atomic<std::uint64_t> failures{0};      // failed connects or writes
  std::atomic<std::int64_t> spooled{0};        // batches waiting in the spool
  std::atomic<bool> connected{false};
};

class CentralWriter {
 public:
  explicit CentralWriter(CentralWriterOptions options);
  ~CentralWriter();  // stop()
  CentralWriter(const CentralWriter&) = delete;
  CentralWriter& operator=(const CentralWriter&) = delete;

  void start();
  // The control thread hands work over and returns at once.
  void submit(MinuteBatch batch);
  void submit_units(std::vector<NetworkInfo> units);
  void submit_lists(std::int64_t at, std::vector<ListStatusRow> lists);
  void submit_retention(std::int64_t now);
  // Spools what is queued, tries one last send (bounded by libpq's connect timeout) and
  // joins the thread. What PostgreSQL did not get stays in the spool for the next start.
  void stop();

  [[nodiscard]] const CentralWriterCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const CentralWriterOptions& options() const noexcept { return options_; }

 private:
  struct Work {
    std::vector<MinuteBatch> batches;
    std::optional<std::vector<NetworkInfo>> units;
    std::deque<std::pair<std::int64_t, std::vector<ListStatusRow>>> lists;
    std::optional<std::int64_t> retention;
  };
  void run();
  bool take(Work& work, std::chrono::milliseconds wait);
  void spool_batches(Work& work);
  bool send(Work& pending);  // true when everything pending reached PostgreSQL
  bool ensure_connected();
  bool send_spool();
  bool send_metadata(Work& pending);
  void note_failure(const std::string& what);

  CentralWriterOptions options_;
  CentralStore store_;
  StatsSpool spool_;
  bool spool_ok_ = false;
  CentralWriterCounters counters_;
  std::mutex mu_;
  std::condition_variable cv_;
  Work queued_;
  bool stopping_ = false;
  bool failing_ = false;
  std::int64_t started_ = 0;
  std::uint64_t memory_seq_ = 0;  // log a failure once, and the recovery once
  std::thread thread_;
};

}  // namespace sprout::stats
