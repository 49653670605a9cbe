// RAII wrappers for sqlite3* and sqlite3_stmt*, with error text that never throws.
#pragma once

#include <functional>

#include <cstdint>
#include <string>
#include <string_view>

#include "sprout/stats/status.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace sprout::stats {

class Statement;

class Database {
 public:
  Database() = default;
  ~Database();
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Opens (creating if asked) and sets busy_timeout; WAL is the caller's choice.
  Status open(const std::string& path, bool create, bool read_only);
  void close() noexcept;
  [[nodiscard]] bool is_open() const noexcept { return db_ != nullptr; }
  [[nodiscard]] sqlite3* get() const noexcept { return db_; }

  Status exec(std::string_view sql);  // one or more statements, no results
  Status prepare(std::string_view sql, Statement& out);
  [[nodiscard]] std::string last_error() const;

 private:
  sqlite3* db_ = nullptr;
};

// A prepared statement; bind by 1-based index, step, read columns, reset to reuse.
class Statement {
 public:
  Statement() = default;
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  enum class Step { row, done, error };

  void reset() noexcept;  // also clears bindings
  void bind(int index, std::int64_t value) noexcept;
  void bind(int index, std::string_view value) noexcept;
  // Binds the values to parameters 1..N in order: one call per row instead of N.
  template <class... Values>
  void bind_all(const Values&... values) noexcept {
    int index = 0;
    (bind(++index, values), ...);
  }
  Step step() noexcept;
  [[nodiscard]] std::int64_t column_int(int index) const noexcept;
  [[nodiscard]] std::string column_text(int index) const;
  [[nodiscard]] bool is_prepared() const noexcept { return stmt_ != nullptr; }

 private:
  friend class Database;
  sqlite3_stmt* stmt_ = nullptr;
};

// Runs a statement that returns no rows (after binding); error text includes `what`.
Status run_done(Database& db, Statement& s, std::string_view what);

// Runs `body` between BEGIN IMMEDIATE and COMMIT; on any failure rolls back and returns it.
Status in_transaction(Database& db, const std::function<Status()>& body);

}  // namespace sprout::stats
