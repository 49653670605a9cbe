// RAII wrappers for libpq (PGconn, PGresult): parameterized statements, errors as Status.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sprout/stats/status.hpp"

struct pg_conn;
struct pg_result;

namespace sprout::stats {

// libpq's functions, loaded at run time while a connection or a result needs them
// (pg_connection.cpp; sprout/blocklists/shared_library.hpp says why).
struct PqLibrary;

// One result of a statement; rows are read as text (what libpq returns for text format).
class PgResult {
 public:
  PgResult() = default;
  PgResult(pg_result* r, std::shared_ptr<const PqLibrary> pq);
  [[nodiscard]] int rows() const noexcept;
  [[nodiscard]] std::string text(int row, int col) const;
  [[nodiscard]] std::int64_t integer(int row, int col) const;  // 0 for NULL or not a number
  [[nodiscard]] std::int64_t affected() const noexcept;       // INSERT/UPDATE/DELETE row count

 private:
  std::shared_ptr<const PqLibrary> pq_;
  std::shared_ptr<pg_result> r_;  // its deleter holds the library too
};

class PgConnection {
 public:
  PgConnection() = default;
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Connects with a bounded wait (connect_timeout=5 unless the conninfo sets one).
  Status connect(const std::string& conninfo);
  void close() noexcept;
  [[nodiscard]] bool is_open() const noexcept;

  // One statement with $1.. text parameters; `out` receives the rows (may be null).
  Status exec(std::string_view sql, const std::vector<std::string>& params = {}, PgResult* out = nullptr);
  // BEGIN; body; COMMIT. On failure: ROLLBACK and the body's (or COMMIT's) error.
  Status in_transaction(const std::function<Status()>& body);

 private:
  Status fail(std::string_view what);
  std::shared_ptr<const PqLibrary> pq_;  // loaded by connect(), kept while c_ is open
  pg_conn* c_ = nullptr;
};

// Reads a conninfo from `stats.postgresql`: the string itself or the first line of the file.
Status load_conninfo(const std::string& conninfo, const std::string& file, std::string& out);

}  // namespace sprout::stats
