// StatsStore: SQLite schema, batched upserts, retention. Errors are returned, never thrown.
#include "sprout/stats/stats_store.hpp"

#include <exception>

#include "sprout/config/config.hpp"
#include "sprout/core/counters.hpp"
#include "sprout/stats/pg_connection.hpp"

namespace sprout::stats {
namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS minute_counts (
  minute INTEGER NOT NULL, network TEXT NOT NULL, category TEXT NOT NULL, action TEXT NOT NULL,
  count INTEGER NOT NULL, PRIMARY KEY (minute, network, category, action)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocked_domains (
  day TEXT NOT NULL, category TEXT NOT NULL, domain TEXT NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (day, category, domain)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS networks (name TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS network_labels (
  network TEXT NOT NULL, label TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (network, label)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lists (
  name TEXT PRIMARY KEY, category TEXT NOT NULL, entries INTEGER NOT NULL,
  last_refresh INTEGER NOT NULL, state TEXT NOT NULL);
)sql";

}  // namespace

Status options_from_config(const config::Config& cfg, int utc_offset_minutes, StatsOptions& out) {
  out = StatsOptions{};
  out.db_path = cfg.stats.database.empty() ? cfg.state_dir + "/stats.sqlite" : cfg.stats.database;
  out.retention_days = cfg.stats.retention_days;
  out.report_threshold = cfg.stats.threshold;
  out.utc_offset_minutes = utc_offset_minutes;
  if (cfg.stats.backend != config::StatsBackend::postgresql) return Status::success();
  if (auto s = load_conninfo(cfg.stats.postgresql.conninfo, cfg.stats.postgresql.conninfo_file, out.pg_conninfo); !s)
    return Status::failure("stats.postgresql: " + s.error);
  return Status::success();
}

std::vector<NetworkInfo> networks_from_config(const config::Config& cfg) {
  std::vector<NetworkInfo> out;
  for (auto& u : core::report_units(cfg)) out.push_back(NetworkInfo{std::move(u.name), std::move(u.labels)});
  return out;
}

std::string_view list_state_name(ListState s) noexcept {
  switch (s) {
    case ListState::ok: return "ok";
    case ListState::stale: return "stale";
    case ListState::failed: return "failed";
    case ListState::never_loaded: return "never-loaded";
  }
  return "?";
}

StatsStore::StatsStore(StatsOptions options) : options_(std::move(options)) {}

Status StatsStore::fail(std::string_view what) {
  return Status::failure("stats store '" + options_.db_path + "': " + std::string(what));
}

Status StatsStore::open() { return open_impl(false); }
Status StatsStore::open_read_only() { return open_impl(true); }

Status StatsStore::open_impl(bool read_only) try {
  read_only_ = read_only;
  add_count_ = Statement{};
  add_domain_ = Statement{};
  if (options_.db_path.empty()) return fail("no database path configured");
  if (auto s = db_.open(options_.db_path, !read_only, read_only); !s) return fail(s.error);
  if (!read_only) {
    // WAL: reports read while the writer writes; NORMAL sync is safe in WAL and cheap.
    if (auto s = db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"); !s) {
      db_.close();
      return fail(s.error);
    }
  }
  if (auto s = ensure_schema(); !s) {
    db_.close();
    return s;
  }
  if (!read_only) {
    if (auto s = prepare_writers(); !s) {
      db_.close();
      return s;
    }
  }
  return Status::success();
} catch (const std::exception& e) {
  db_.close();
  return fail(e.what());
}

Status StatsStore::ensure_schema() {
  Statement q;
  // Reading sqlite_master first is what detects a file that is not a database.
  if (auto s = db_.prepare("SELECT count(*) FROM sqlite_master WHERE name='meta'", q); !s) return fail(s.error);
  if (q.step() != Statement::Step::row) return fail(db_.last_error());
  const bool has_meta = q.column_int(0) > 0;
  q = Statement{};
  if (!has_meta) {
    if (read_only_) return fail("not a Sprout stats database (no meta table)");
    std::string sql = "BEGIN;" + std::string(kSchema) +
                      "INSERT INTO meta VALUES ('schema_version','" + std::to_string(kSchemaVersion) + "'); COMMIT;";
    if (auto s = db_.exec(sql); !s) {
      db_.exec("ROLLBACK;");
      return fail("creating schema: " + s.error);
    }
    return Status::success();
  }
  if (auto s = db_.prepare("SELECT value FROM meta WHERE key='schema_version'", q); !s) return fail(s.error);
  if (q.step() != Statement::Step::row) return fail("meta table has no schema_version");
  const std::string version = q.column_text(0);
  if (version != std::to_string(kSchemaVersion)) {
    return fail("schema version " + version + " is not the supported " + std::to_string(kSchemaVersion));
  }
  return Status::success();
}

Status StatsStore::prepare_writers() {
  if (auto s = db_.prepare("INSERT INTO minute_counts VALUES (?1,?2,?3,?4,?5) "
                           "ON CONFLICT DO UPDATE SET count = count + excluded.count",
                           add_count_);
      !s)
    return fail(s.error);
  if (auto s = db_.prepare("INSERT INTO blocked_domains VALUES (?1,?2,?3,?4) "
                           "ON CONFLICT DO UPDATE SET count = count + excluded.count",
                           add_domain_);
      !s)
    return fail(s.error);
  return Status::success();
}

Status StatsStore::ensure_open() {
  if (db_.is_open() && (read_only_ || add_count_.is_prepared())) return Status::success();
  return read_only_ ? open_impl(true) : open_impl(false);
}

Status StatsStore::flush(const MinuteBatch& batch) try {
  if (!batch.empty()) pending_.push_back(batch);
  while (pending_.size() > kMaxPending) {  // bounded memory while the database is broken
    pending_.pop_front();
    ++dropped_batches_;
  }
  if (pending_.empty()) return Status::success();
  if (auto s = ensure_open(); !s) return s;
  if (read_only_) return fail("opened read-only");
  return write_pending();
} catch (const std::exception& e) {
  return fail(e.what());
}

Status StatsStore::write_pending() {
  const Status written = in_transaction(db_, [&]() -> Status {
    for (const auto& batch : pending_) {
      if (auto s = write_batch(batch); !s) return s;
    }
    return Status::success();
  });
  if (!written) return fail(written.error);
  pending_.clear();
  if (dropped_batches_ > 0) {
    const auto dropped = dropped_batches_;
    dropped_batches_ = 0;
    return fail("written, but " + std::to_string(dropped) + " minute(s) were dropped while the database failed");
  }
  return Status::success();
}

Status StatsStore::write_batch(const MinuteBatch& batch) {
  for (const auto& r : batch.rows) {
    add_count_.bind_all(batch.minute, r.network, r.category, r.action, static_cast<std::int64_t>(r.count));
    if (auto s = run_done(db_, add_count_, "minute_counts"); !s) return fail(s.error);
  }
  for (const auto& d : batch.blocked_domains) {
    add_domain_.bind_all(d.day, d.category, d.domain, static_cast<std::int64_t>(d.count));
    if (auto s = run_done(db_, add_domain_, "blocked_domains"); !s) return fail(s.error);
  }
  return Status::success();
}

}  // namespace sprout::stats
