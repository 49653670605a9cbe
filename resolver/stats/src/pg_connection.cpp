// libpq wrappers. Every call returns a Status; a broken connection is closed so the next
// call reconnects.
#include "sprout/stats/pg_connection.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <fstream>

namespace sprout::stats {

void PgResult::clear(pg_result* r) noexcept { PQclear(r); }

int PgResult::rows() const noexcept { return r_ ? PQntuples(r_.get()) : 0; }

std::string PgResult::text(int row, int col) const {
  if (!r_ || row >= rows() || col >= PQnfields(r_.get()) || PQgetisnull(r_.get(), row, col)) return {};
  return std::string(PQgetvalue(r_.get(), row, col), static_cast<std::size_t>(PQgetlength(r_.get(), row, col)));
}

std::int64_t PgResult::integer(int row, int col) const {
  const std::string t = text(row, col);
  std::int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

std::int64_t PgResult::affected() const noexcept {
  if (!r_) return 0;
  const char* n = PQcmdTuples(r_.get());
  std::int64_t v = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), v);
  return v;
}

PgConnection::~PgConnection() { close(); }

void PgConnection::close() noexcept {
  if (c_ != nullptr) PQfinish(c_);
  c_ = nullptr;
}

bool PgConnection::is_open() const noexcept { return c_ != nullptr && PQstatus(c_) == CONNECTION_OK; }

Status PgConnection::fail(std::string_view what) {
  std::string message = c_ != nullptr ? PQerrorMessage(c_) : "not connected";
  message = message.substr(0, message.find('\n'));  // libpq adds indented hints on more lines
  // A connection that went bad is dropped here so the next call reconnects.
  if (c_ != nullptr && PQstatus(c_) != CONNECTION_OK) close();
  return Status::failure("postgresql: " + std::string(what) + ": " + message);
}

Status PgConnection::connect(const std::string& conninfo) {
  close();
  // connect_timeout bounds the wait when the server is gone; a conninfo may set its own.
  const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {conninfo.c_str(), "5", "sproutdns", nullptr};
  c_ = PQconnectdbParams(keys, values, 1);  // expand_dbname: the conninfo's own keys win
  if (c_ == nullptr) return Status::failure("postgresql: out of memory");
  if (PQstatus(c_) != CONNECTION_OK) {
    Status s = fail("connecting");
    close();
    return s;
  }
  return exec("SET client_min_messages = warning");
}

Status PgConnection::exec(std::string_view sql, const std::vector<std::string>& params, PgResult* out) {
  if (c_ == nullptr) return Status::failure("postgresql: not connected");
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  const std::string text(sql);
  // Without parameters PQexec runs a script (migrations); with them, one statement.
  pg_result* raw = params.empty() ? PQexec(c_, text.c_str())
                                  : PQexecParams(c_, text.c_str(), static_cast<int>(values.size()), nullptr,
                                                 values.data(), nullptr, nullptr, 0);
  PgResult r(raw);
  const ExecStatusType st = raw != nullptr ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    const std::string first_line = text.substr(0, text.find('\n'));
    return fail(first_line.substr(0, 60));
  }
  if (out != nullptr) *out = std::move(r);
  return Status::success();
}

Status PgConnection::in_transaction(const std::function<Status()>& body) {
  if (auto s = exec("BEGIN"); !s) return s;
  Status s = body();
  if (s) s = exec("COMMIT");
  if (!s && c_ != nullptr) (void)exec("ROLLBACK");
  return s;
}

Status load_conninfo(const std::string& conninfo, const std::string& file, std::string& out) {
  if (file.empty()) {
    out = conninfo;
    return Status::success();
  }
  std::ifstream in(file);
  if (!in) return Status::failure("cannot read conninfo_file '" + file + "'");
  std::getline(in, out);
  while (!out.empty() && (out.back() == '\r' || out.back() == ' ')) out.pop_back();
  if (out.empty()) return Status::failure("conninfo_file '" + file + "' is empty");
  return Status::success();
}

}  // namespace sprout::stats
