// Reads one instance's own minutes back from the central PostgreSQL store for its dashboard,
// on a thread of its own, so that the control thread waits at most a given time for them.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sprout/stats/report_source.hpp"

namespace sprout::stats {

class CentralCountsReader {
 public:
  // options.pg_conninfo: where to read; `instance`: whose rows.
  CentralCountsReader(StatsOptions options, std::string instance);
  // Joins an idle thread at once; one still inside libpq (an unreachable server) is left to
  // finish on its own: it only touches state it shares ownership of.
  ~CentralCountsReader();
  CentralCountsReader(const CentralCountsReader&) = delete;
  CentralCountsReader& operator=(const CentralCountsReader&) = delete;

  // The instance's counts over [from, to). Fails with the reason when PostgreSQL does not
  // answer within `timeout` (the read goes on and is dropped: the next call does not wait
  // for it again but fails at once while it is still running) or answers with an error.
  Status read(std::int64_t from, std::int64_t to, std::chrono::milliseconds timeout, std::vector<StoredCount>& out);

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
  std::thread thread_;
};

}  // namespace sprout::stats
