// CentralWriter: queue -> spool -> PostgreSQL, on its own thread.
#include "sprout/stats/central_writer.hpp"

#include <algorithm>

#include "sprout/core/log.hpp"

namespace sprout::stats {

CentralWriter::CentralWriter(CentralWriterOptions options)
    : options_(std::move(options)), store_(options_.store), spool_(options_.spool_path, options_.spool_max) {}

CentralWriter::~CentralWriter() { stop(); }

void CentralWriter::start() {
  if (thread_.joinable()) return;
  if (auto s = spool_.open(); !s) core::log::error("stats: ", s.error, " (batches wait in memory only)");
  else spool_ok_ = true;
  std::int64_t n = 0;
  if (spool_ok_ && spool_.size(n) && n > 0) core::log::info("stats spool: ", n, " minute(s) from before wait for PostgreSQL");
  counters_.spooled = n;
  started_ = std::chrono::steady_clock::now().time_since_epoch().count();
  thread_ = std::thread([this] { run(); });
}

void CentralWriter::submit(MinuteBatch batch) {
  {
    std::lock_guard lock(mu_);
    queued_.batches.push_back(std::move(batch));
  }
  cv_.notify_one();
}

void CentralWriter::submit_units(std::vector<NetworkInfo> units) {
  {
    std::lock_guard lock(mu_);
    queued_.units = std::move(units);
  }
  cv_.notify_one();
}

void CentralWriter::submit_lists(std::int64_t at, std::vector<ListStatusRow> lists) {
  {
    std::lock_guard lock(mu_);
    queued_.lists.emplace_back(at, std::move(lists));
    // Bounded while PostgreSQL is away: the newest states say most about freshness.
    while (queued_.lists.size() > 256) queued_.lists.pop_front();
  }
  cv_.notify_one();
}

void CentralWriter::submit_retention(std::int64_t now) {
  {
    std::lock_guard lock(mu_);
    queued_.retention = now;
  }
  cv_.notify_one();
}

void CentralWriter::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

bool CentralWriter::take(Work& work, std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, wait, [this] {
    return stopping_ || !queued_.batches.empty() || queued_.units || !queued_.lists.empty() || queued_.retention;
  });
  for (auto& b : queued_.batches) work.batches.push_back(std::move(b));
  queued_.batches.clear();
  if (queued_.units) work.units = std::move(queued_.units);
  queued_.units.reset();
  for (auto& l : queued_.lists) work.lists.push_back(std::move(l));
  while (work.lists.size() > 256) work.lists.pop_front();
  queued_.lists.clear();
  if (queued_.retention) work.retention = queued_.retention;
  queued_.retention.reset();
  return !stopping_;
}

void CentralWriter::spool_batches(Work& work) {
  if (!spool_ok_) {  // no spool: batches wait in memory, under the same bound
    std::uint64_t dropped = 0;
    for (; work.batches.size() > options_.spool_max; ++dropped) work.batches.erase(work.batches.begin());
    if (dropped > 0) {
      counters_.dropped += dropped;
      core::log::warn("stats: ", options_.spool_max, " minutes wait in memory: dropped the oldest ", dropped);
    }
    counters_.spooled = static_cast<std::int64_t>(work.batches.size());
    return;
  }
  for (auto it = work.batches.begin(); it != work.batches.end();) {
    std::uint64_t dropped = 0;
    if (auto s = spool_.add(*it, &dropped); !s) {
      note_failure(s.error);
      return;
    }
    it = work.batches.erase(it);
    if (dropped > 0) {
      counters_.dropped += dropped;
      core::log::warn("stats spool full (", options_.spool_max, " minutes): dropped the oldest ", dropped,
                      " minute(s), ", counters_.dropped.load(), " in all");
    }
  }
  std::int64_t n = 0;
  if (spool_.size(n)) counters_.spooled = n;
}

void CentralWriter::note_failure(const std::string& what) {
  ++counters_.failures;
  counters_.connected = false;
  if (!failing_) core::log::error("stats: ", what, " (minutes are spooled and sent when it is back; DNS continues)");
  failing_ = true;
}

bool CentralWriter::ensure_connected() {
  if (store_.is_open()) return true;
  Status s = store_.open_writer(options_.report_role);
  if (!s && store_.is_open()) {  // the schema is there, only the reader role failed
    core::log::warn("stats: ", s.error);
    s = Status::success();
  }
  if (!s) {
    note_failure(s.error);
    return false;
  }
  counters_.connected = true;
  if (failing_) core::log::info("stats: PostgreSQL is back, sending ", counters_.spooled.load(), " spooled minute(s)");
  failing_ = false;
  return true;
}

bool CentralWriter::send_spool() {
  for (;;) {
    std::vector<SpooledBatch> next;
    if (auto s = spool_.oldest(64, next); !s) {
      note_failure(s.error);
      return false;
    }
    if (next.empty()) return true;
    for (const auto& b : next) {
      const std::string key = spool_.epoch() + ":" + std::to_string(b.id);
      if (auto s = store_.write_batch(options_.instance, key, b.batch); !s) {
        note_failure(s.error);
        return false;
      }
      ++counters_.sent;
      // Removed only once PostgreSQL committed; a crash between the two resends the
      // batch and its key makes PostgreSQL ignore it.
      if (auto s = spool_.remove(b.id); !s) {
        note_failure(s.error);
        return false;
      }
      --counters_.spooled;
    }
  }
}

bool CentralWriter::send_metadata(Work& pending) {
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
  if (pending.units) {
    if (auto s = store_.record_instance(options_.instance, options_.labels, *pending.units, now); !s) {
      note_failure(s.error);
      return false;
    }
    pending.units.reset();
  }
  while (!pending.lists.empty()) {
    const auto& [at, rows] = pending.lists.front();
    if (auto s = store_.record_lists(options_.instance, at, rows); !s) {
      note_failure(s.error);
      return false;
    }
    pending.lists.pop_front();
  }
  if (pending.retention) {
    if (auto s = store_.enforce_retention(*pending.retention); !s) {
      note_failure(s.error);
      return false;
    }
    pending.retention.reset();
  }
  return true;
}

bool CentralWriter::send(Work& pending) {
  if (!ensure_connected()) return false;
  // Instance and units first: a report can scope the minutes as soon as they arrive.
  if (!send_metadata(pending)) return false;
  if (spool_ok_) return send_spool();
  for (auto it = pending.batches.begin(); it != pending.batches.end(); it = pending.batches.erase(it)) {
    // Without a spool a batch is named by this process's start and its place in line.
    const std::string key = "mem:" + std::to_string(started_) + ":" + std::to_string(++memory_seq_);
    if (auto s = store_.write_batch(options_.instance, key, *it); !s) {
      --memory_seq_;
      note_failure(s.error);
      return false;
    }
    ++counters_.sent;
  }
  return true;
}

void CentralWriter::run() {
  Work pending;
  auto retry = options_.retry_min;
  // The first round does not wait: a spool left by the last run goes out at once.
  auto wait = std::chrono::milliseconds(0);
  for (;;) {
    const bool running = take(pending, wait);
    spool_batches(pending);
    const bool clean = send(pending);
    // Idle until the next minute's batch when all is sent, else back off while it fails.
    wait = clean ? std::chrono::milliseconds(60000) : retry;
    retry = clean ? options_.retry_min : std::min(retry * 2, options_.retry_max);
    if (!running) break;
  }
}

}  // namespace sprout::stats
