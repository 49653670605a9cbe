// CentralCountsReader: one job at a time on its own thread, its own connection kept open
// between reads and opened again after a failure.
#include "sprout/stats/central_counts_reader.hpp"

#include <condition_variable>
#include <mutex>
#include <optional>

#include "sprout/stats/central_store.hpp"

namespace sprout::stats {

struct CentralCountsReader::Shared {
  StatsOptions options;
  std::string instance;
  std::mutex mu;
  std::condition_variable cv;
  std::optional<std::pair<std::int64_t, std::int64_t>> job;  // [from, to) asked for
  bool busy = false;       // a job is being read (perhaps for a caller who gave up)
  bool done = false;       // result and rows hold the last job's answer
  bool stopping = false;
  Status result;
  std::vector<StoredCount> rows;

  void run();
  Status read_once(std::unique_ptr<CentralStore>& store, std::int64_t from, std::int64_t to,
                   std::vector<StoredCount>& out);
};

Status CentralCountsReader::Shared::read_once(std::unique_ptr<CentralStore>& store, std::int64_t from,
                                              std::int64_t to, std::vector<StoredCount>& out) {
  if (!store || !store->is_open()) {
    store = std::make_unique<CentralStore>(options);
    if (auto s = store->open_reader(); !s) return s;
  }
  Status s = store->read_instance_counts(instance, from, to, out);
  if (!s) store.reset();  // the connection may be broken: a fresh one next time
  return s;
}

void CentralCountsReader::Shared::run() {
  std::unique_ptr<CentralStore> store;
  std::unique_lock lock(mu);
  for (;;) {
    cv.wait(lock, [this] { return stopping || job.has_value(); });
    if (stopping) return;
    const auto [from, to] = *job;
    job.reset();
    busy = true;
    lock.unlock();
    std::vector<StoredCount> out;
    const Status s = read_once(store, from, to, out);
    lock.lock();
    busy = false;
    done = true;
    result = s;
    rows = std::move(out);
    cv.notify_all();
  }
}

CentralCountsReader::CentralCountsReader(StatsOptions options, std::string instance)
    : shared_(std::make_shared<Shared>()) {
  shared_->options = std::move(options);
  shared_->instance = std::move(instance);
  thread_ = std::thread([s = shared_] { s->run(); });
}

CentralCountsReader::~CentralCountsReader() {
  bool busy = false;
  {
    std::lock_guard lock(shared_->mu);
    shared_->stopping = true;
    busy = shared_->busy;
  }
  shared_->cv.notify_all();
  // An idle thread sees `stopping` at once; a busy one returns from libpq on its own
  // (connect_timeout; a connection that dies mid-read waits for TCP to give up) and then
  // sees it.
  if (busy) thread_.detach();
  else thread_.join();
}

Status CentralCountsReader::read(std::int64_t from, std::int64_t to, std::chrono::milliseconds timeout,
                                 std::vector<StoredCount>& out) {
  std::unique_lock lock(shared_->mu);
  if (shared_->busy) return Status::failure("postgresql: an earlier read is still waiting for an answer");
  shared_->job = std::make_pair(from, to);
  shared_->done = false;
  shared_->cv.notify_all();
  if (!shared_->cv.wait_for(lock, timeout, [this] { return shared_->done; }))
    return Status::failure("postgresql: no answer within " + std::to_string(timeout.count()) + " ms");
  if (!shared_->result) return shared_->result;
  out = std::move(shared_->rows);
  return Status::success();
}

}  // namespace sprout::stats
