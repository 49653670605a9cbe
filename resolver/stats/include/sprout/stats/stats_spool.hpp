// The local SQLite spool of batches bound for the central store: every batch is kept here
// until PostgreSQL has it, so an outage or a restart loses nothing within the bound.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sprout/stats/minute_aggregator.hpp"
#include "sprout/stats/sqlite_handle.hpp"

namespace sprout::stats {

struct SpooledBatch {
  std::int64_t id = 0;  // increasing: the order batches are sent in
  MinuteBatch batch;
};

class StatsSpool {
 public:
  StatsSpool(std::string path, std::size_t max_batches);

  Status open();
  // Appends; beyond max_batches the oldest are deleted and counted in *dropped.
  Status add(const MinuteBatch& batch, std::uint64_t* dropped);
  Status oldest(std::size_t limit, std::vector<SpooledBatch>& out);
  Status remove(std::int64_t id);
  Status size(std::int64_t& out);
  // A random value made when the spool file is created: with the id it names a batch
  // uniquely for ever, even after the spool file is deleted and ids start again.
  [[nodiscard]] const std::string& epoch() const noexcept { return epoch_; }

 private:
  Status fail(std::string_view what);
  Status load_epoch();
  Status trim(std::uint64_t* dropped);
  std::string path_;
  std::size_t max_;
  Database db_;
  std::string epoch_;
};

}  // namespace sprout::stats
