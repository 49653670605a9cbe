// libpq wrappers. Every call returns a Status; a broken connection is closed so the next
// call reconnects.
#include "sprout/stats/pg_connection.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <fstream>

#include "sprout/blocklists/shared_library.hpp"

namespace sprout::stats {

// Loaded when a central store first connects (stats.backend: postgresql), never otherwise;
// then kept: a failed connection leaves state in libpq that unloading would leak each time.
struct PqLibrary {
  blocklists::SharedLibrary lib{"libpq.so.5", blocklists::SharedLibrary::Unload::never};
  decltype(&PQconnectdbParams) connectdb_params = nullptr;
  decltype(&PQstatus) status = nullptr;
  decltype(&PQerrorMessage) error_message = nullptr;
  decltype(&PQfinish) finish = nullptr;
  decltype(&PQexec) exec = nullptr;
  decltype(&PQexecParams) exec_params = nullptr;
  decltype(&PQresultStatus) result_status = nullptr;
  decltype(&PQclear) clear = nullptr;
  decltype(&PQntuples) ntuples = nullptr;
  decltype(&PQnfields) nfields = nullptr;
  decltype(&PQgetisnull) getisnull = nullptr;
  decltype(&PQgetvalue) getvalue = nullptr;
  decltype(&PQgetlength) getlength = nullptr;
  decltype(&PQcmdTuples) cmd_tuples = nullptr;
  bool resolved = false;

  PqLibrary() {
    resolved = lib.resolve(connectdb_params, "PQconnectdbParams") && lib.resolve(status, "PQstatus") &&
               lib.resolve(error_message, "PQerrorMessage") && lib.resolve(finish, "PQfinish") &&
               lib.resolve(exec, "PQexec") && lib.resolve(exec_params, "PQexecParams") &&
               lib.resolve(result_status, "PQresultStatus") && lib.resolve(clear, "PQclear") &&
               lib.resolve(ntuples, "PQntuples") && lib.resolve(nfields, "PQnfields") &&
               lib.resolve(getisnull, "PQgetisnull") && lib.resolve(getvalue, "PQgetvalue") &&
               lib.resolve(getlength, "PQgetlength") && lib.resolve(cmd_tuples, "PQcmdTuples");
  }
  [[nodiscard]] bool ready() const noexcept { return resolved; }
  [[nodiscard]] std::string error() const { return lib.error(); }
};

PgResult::PgResult(pg_result* r, std::shared_ptr<const PqLibrary> pq)
    : pq_(pq), r_(r, [pq](pg_result* p) { pq->clear(p); }) {}

int PgResult::rows() const noexcept { return r_ ? pq_->ntuples(r_.get()) : 0; }

std::string PgResult::text(int row, int col) const {
  if (!r_ || row >= rows() || col >= pq_->nfields(r_.get()) || pq_->getisnull(r_.get(), row, col)) return {};
  return std::string(pq_->getvalue(r_.get(), row, col), static_cast<std::size_t>(pq_->getlength(r_.get(), row, col)));
}

std::int64_t PgResult::integer(int row, int col) const {
  const std::string t = text(row, col);
  std::int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

std::int64_t PgResult::affected() const noexcept {
  if (!r_) return 0;
  const char* n = pq_->cmd_tuples(r_.get());
  std::int64_t v = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), v);
  return v;
}

PgConnection::~PgConnection() { close(); }

void PgConnection::close() noexcept {
  if (c_ != nullptr) pq_->finish(c_);
  c_ = nullptr;
  pq_.reset();  // unloaded with the last result
}

bool PgConnection::is_open() const noexcept { return c_ != nullptr && pq_->status(c_) == CONNECTION_OK; }

Status PgConnection::fail(std::string_view what) {
  std::string message = c_ != nullptr ? pq_->error_message(c_) : "not connected";
  message = message.substr(0, message.find('\n'));  // libpq adds indented hints on more lines
  // A connection that went bad is dropped here so the next call reconnects.
  if (c_ != nullptr && pq_->status(c_) != CONNECTION_OK) close();
  return Status::failure("postgresql: " + std::string(what) + ": " + message);
}

Status PgConnection::connect(const std::string& conninfo) {
  close();
  std::string why;
  pq_ = blocklists::load_library<PqLibrary>(why);
  if (!pq_) return Status::failure("postgresql: " + why);
  // connect_timeout bounds the wait when the server is gone; a conninfo may set its own.
  const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {conninfo.c_str(), "5", "sproutdns", nullptr};
  c_ = pq_->connectdb_params(keys, values, 1);  // expand_dbname: the conninfo's own keys win
  if (c_ == nullptr) return Status::failure("postgresql: out of memory");
  if (pq_->status(c_) != CONNECTION_OK) {
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
  pg_result* raw = params.empty() ? pq_->exec(c_, text.c_str())
                                  : pq_->exec_params(c_, text.c_str(), static_cast<int>(values.size()), nullptr,
                                                     values.data(), nullptr, nullptr, 0);
  PgResult r(raw, pq_);
  const ExecStatusType st = raw != nullptr ? pq_->result_status(raw) : PGRES_FATAL_ERROR;
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
