// RAII wrappers for SQLite handles.
#include "sprout/stats/sqlite_handle.hpp"

#include <sqlite3.h>

namespace sprout::stats {

Database::~Database() { close(); }

Database::Database(Database&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    close();
    db_ = other.db_;
    other.db_ = nullptr;
  }
  return *this;
}

void Database::close() noexcept {
  if (db_ != nullptr) sqlite3_close_v2(db_);  // _v2: unfinalized statements do not leak it
  db_ = nullptr;
}

Status Database::open(const std::string& path, bool create, bool read_only) {
  close();
  int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (create && !read_only) flags |= SQLITE_OPEN_CREATE;
  flags |= SQLITE_OPEN_NOMUTEX;  // one owner thread per handle
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string text = "cannot open '" + path + "': " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    if (db != nullptr) sqlite3_close_v2(db);
    return Status::failure(std::move(text));
  }
  db_ = db;
  sqlite3_busy_timeout(db_, 2000);  // a report reading while we write waits, briefly
  sqlite3_extended_result_codes(db_, 1);
  return Status::success();
}

Status Database::exec(std::string_view sql) {
  if (db_ == nullptr) return Status::failure("database not open");
  char* err = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : last_error();
    sqlite3_free(err);
    return Status::failure(std::move(msg));
  }
  return Status::success();
}

Status Database::prepare(std::string_view sql, Statement& out) {
  if (db_ == nullptr) return Status::failure("database not open");
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                         nullptr) != SQLITE_OK) {
    return Status::failure(last_error());
  }
  out = Statement{};
  out.stmt_ = stmt;
  return Status::success();
}

std::string Database::last_error() const { return db_ ? sqlite3_errmsg(db_) : "database not open"; }

Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    stmt_ = other.stmt_;
    other.stmt_ = nullptr;
  }
  return *this;
}

void Statement::reset() noexcept {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::bind(int index, std::int64_t value) noexcept { sqlite3_bind_int64(stmt_, index, value); }

void Statement::bind(int index, std::string_view value) noexcept {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}

Statement::Step Statement::step() noexcept {
  if (stmt_ == nullptr) return Step::error;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return Step::row;
  if (rc == SQLITE_DONE) return Step::done;
  return Step::error;
}

std::int64_t Statement::column_int(int index) const noexcept { return sqlite3_column_int64(stmt_, index); }

std::string Statement::column_text(int index) const {
  const auto* p = sqlite3_column_text(stmt_, index);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)))
           : std::string{};
}

Status run_done(Database& db, Statement& s, std::string_view what) {
  const auto r = s.step();
  std::string err = r == Statement::Step::error ? db.last_error() : std::string{};
  s.reset();
  if (!err.empty()) return Status::failure(std::string(what) + ": " + err);
  return Status::success();
}

Status in_transaction(Database& db, const std::function<Status()>& body) {
  if (auto s = db.exec("BEGIN IMMEDIATE;"); !s) return s;
  Status s = body();
  if (s) s = db.exec("COMMIT;");
  if (!s) db.exec("ROLLBACK;");
  return s;
}

}  // namespace sprout::stats
