// QueryLog: buffered SQLite writes, retention by deletion, CSV / JSON-lines export.
#include "sprout/stats/query_log.hpp"

#include <exception>
#include <ostream>

#include "report_text.hpp"
#include "sprout/core/json.hpp"

namespace sprout::stats {
namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('schema_version', '1');
CREATE TABLE IF NOT EXISTS query_log (
  ts INTEGER NOT NULL, network TEXT NOT NULL, qname TEXT NOT NULL, qtype INTEGER NOT NULL,
  action TEXT NOT NULL, category TEXT NOT NULL, client TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS query_log_ts ON query_log (ts);
)sql";

}  // namespace

QueryLog::QueryLog(QueryLogOptions options, Pseudonymizer::KeySource keys)
    : options_(std::move(options)), pseudonymizer_(options_.utc_offset_minutes, std::move(keys)) {}

Status QueryLog::fail(std::string_view what) const {
  return Status::failure("query log '" + options_.db_path + "': " + std::string(what));
}

Status QueryLog::open() try {
  if (!options_.enabled) return Status::success();
  insert_ = Statement{};
  if (auto s = db_.open(options_.db_path, true, false); !s) return fail(s.error);
  Status s = db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
  if (s) s = db_.exec(kSchema);
  if (s) s = db_.prepare("INSERT INTO query_log VALUES (?1,?2,?3,?4,?5,?6,?7)", insert_);
  if (!s) {
    db_.close();
    return fail(s.error);
  }
  return Status::success();
} catch (const std::exception& e) {
  db_.close();
  return fail(e.what());
}

Status QueryLog::ensure_open() {
  if (!options_.enabled) return fail("disabled");
  return db_.is_open() && insert_.is_prepared() ? Status::success() : open();
}

void QueryLog::record(const QueryLogEntry& e) {
  if (!options_.enabled || options_.opt_out_networks.count(e.network) > 0) return;
  // Workers only copy and append under the lock; the HMAC runs at flush, on the control
  // thread. The address stays in memory until then (at most a minute) and is never stored.
  Row row;
  try {
    row = Row{e.timestamp, e.network, e.qname, e.qtype, e.action, e.category, e.client};
  } catch (const std::exception&) {
    std::lock_guard lock(mutex_);
    ++dropped_;  // no memory: the entry is lost, the query is not
    return;
  }
  std::lock_guard lock(mutex_);
  if (buffer_.size() >= options_.max_buffered) {
    ++dropped_;
    return;
  }
  buffer_.push_back(std::move(row));
}

void QueryLog::pseudonymize(std::vector<Row>& rows) {
  std::size_t lost = 0;
  std::erase_if(rows, [&](Row& r) {
    try {
      r.client = pseudonymizer_.pseudonym(r.client, r.timestamp);
      return false;
    } catch (const std::exception&) {
      ++lost;  // no key: the entry is dropped rather than stored with its address
      return true;
    }
  });
  if (lost == 0) return;
  std::lock_guard lock(mutex_);
  dropped_ += lost;
}

std::uint64_t QueryLog::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

Status QueryLog::flush() try {
  if (!options_.enabled) return Status::success();
  std::vector<Row> rows;
  {
    std::lock_guard lock(mutex_);
    rows.swap(buffer_);
  }
  pseudonymize(rows);
  if (rows.empty()) return Status::success();
  if (auto s = ensure_open(); !s) return s;  // rows are dropped: the log is best effort
  const Status s = in_transaction(db_, [&]() -> Status {
    for (const auto& r : rows) {
      insert_.bind_all(r.timestamp, r.network, r.qname, std::int64_t{r.qtype}, r.action, r.category, r.client);
      if (auto st = run_done(db_, insert_, "insert"); !st) return st;
    }
    return Status::success();
  });
  return s ? s : fail(s.error);
} catch (const std::exception& e) {
  return fail(e.what());
}

Status QueryLog::enforce_retention(std::int64_t now) try {
  if (!options_.enabled) return Status::success();
  if (auto s = ensure_open(); !s) return s;
  const Date first_kept = Date::from_unix(now, options_.utc_offset_minutes).plus_days(-(options_.retention_days - 1));
  Statement del;
  if (auto s = db_.prepare("DELETE FROM query_log WHERE ts < ?1", del); !s) return fail(s.error);
  del.bind(1, day_start_unix(first_kept, options_.utc_offset_minutes));
  if (auto s = run_done(db_, del, "retention"); !s) return fail(s.error);
  return Status::success();
} catch (const std::exception& e) {
  return fail(e.what());
}

Status QueryLog::export_range(const Date& from, const Date& to, ExportFormat format, std::ostream& out) try {
  if (auto s = ensure_open(); !s) return s;
  Statement q;
  if (auto s = db_.prepare("SELECT ts, network, qname, qtype, action, category, client FROM query_log "
                           "WHERE ts >= ?1 AND ts < ?2 ORDER BY ts, rowid",
                           q);
      !s)
    return fail(s.error);
  q.bind_all(day_start_unix(from, options_.utc_offset_minutes),
             day_start_unix(to.plus_days(1), options_.utc_offset_minutes));
  using detail::csv_cell;
  if (format == ExportFormat::csv) out << "timestamp,network,qname,qtype,action,category,client\r\n";
  Statement::Step st;
  while ((st = q.step()) == Statement::Step::row) {
    const std::string ts = detail::format_iso_time(q.column_int(0), options_.utc_offset_minutes);
    if (format == ExportFormat::csv) {
      out << ts << ',' << csv_cell(q.column_text(1)) << ',' << csv_cell(q.column_text(2)) << ',' << q.column_int(3)
          << ',' << csv_cell(q.column_text(4)) << ',' << csv_cell(q.column_text(5)) << ',' << q.column_text(6) << "\r\n";
    } else {
      const core::Json line = {{"timestamp", ts},          {"network", q.column_text(1)},  {"qname", q.column_text(2)},
                               {"qtype", q.column_int(3)},  {"action", q.column_text(4)},   {"category", q.column_text(5)},
                               {"client", q.column_text(6)}};
      out << core::dump_json(line) << '\n';
    }
  }
  if (st == Statement::Step::error) return fail(db_.last_error());
  return out ? Status::success() : fail("writing the export failed");
} catch (const std::exception& e) {
  return fail(e.what());
}

}  // namespace sprout::stats
