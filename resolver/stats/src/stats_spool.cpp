// StatsSpool: batches in SQLite, in order, bounded.
#include "sprout/stats/stats_spool.hpp"

#include <random>

namespace sprout::stats {
namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batches (id INTEGER PRIMARY KEY AUTOINCREMENT, minute INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS batch_rows (batch INTEGER NOT NULL, network TEXT NOT NULL, category TEXT NOT NULL,
  action TEXT NOT NULL, count INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS batch_rows_batch ON batch_rows (batch);
CREATE TABLE IF NOT EXISTS batch_domains (batch INTEGER NOT NULL, day TEXT NOT NULL, category TEXT NOT NULL,
  domain TEXT NOT NULL, count INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS batch_domains_batch ON batch_domains (batch);
)sql";

std::string random_epoch() {
  std::random_device rd;
  const std::uint64_t v = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) out += kHex[(v >> (i * 4)) & 0xf];
  return out;
}

}  // namespace

StatsSpool::StatsSpool(std::string path, std::size_t max_batches) : path_(std::move(path)), max_(max_batches) {}

Status StatsSpool::fail(std::string_view what) {
  return Status::failure("stats spool '" + path_ + "': " + std::string(what));
}

Status StatsSpool::open() {
  if (auto s = db_.open(path_, true, false); !s) return fail(s.error);
  if (auto s = db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"); !s) return fail(s.error);
  if (auto s = db_.exec(kSchema); !s) return fail(s.error);
  return load_epoch();
}

Status StatsSpool::load_epoch() {
  Statement put, get;
  if (auto s = db_.prepare("INSERT OR IGNORE INTO meta VALUES ('epoch', ?1)", put); !s) return fail(s.error);
  put.bind(1, random_epoch());
  if (auto s = run_done(db_, put, "meta"); !s) return fail(s.error);
  if (auto s = db_.prepare("SELECT value FROM meta WHERE key = 'epoch'", get); !s) return fail(s.error);
  if (get.step() != Statement::Step::row) return fail("no epoch");
  epoch_ = get.column_text(0);
  return Status::success();
}

Status StatsSpool::add(const MinuteBatch& batch, std::uint64_t* dropped) {
  Statement b, r, d;
  if (auto s = db_.prepare("INSERT INTO batches (minute) VALUES (?1) RETURNING id", b); !s) return fail(s.error);
  if (auto s = db_.prepare("INSERT INTO batch_rows VALUES (?1, ?2, ?3, ?4, ?5)", r); !s) return fail(s.error);
  if (auto s = db_.prepare("INSERT INTO batch_domains VALUES (?1, ?2, ?3, ?4, ?5)", d); !s) return fail(s.error);
  const Status written = in_transaction(db_, [&]() -> Status {
    b.bind(1, batch.minute);
    if (b.step() != Statement::Step::row) return Status::failure(db_.last_error());
    const std::int64_t id = b.column_int(0);
    b.reset();
    for (const auto& row : batch.rows) {
      r.bind_all(id, row.network, row.category, row.action, static_cast<std::int64_t>(row.count));
      if (auto s = run_done(db_, r, "batch_rows"); !s) return s;
    }
    for (const auto& dom : batch.blocked_domains) {
      d.bind_all(id, dom.day, dom.category, dom.domain, static_cast<std::int64_t>(dom.count));
      if (auto s = run_done(db_, d, "batch_domains"); !s) return s;
    }
    return trim(dropped);
  });
  return written ? written : fail(written.error);
}

Status StatsSpool::trim(std::uint64_t* dropped) {
  std::int64_t n = 0;
  if (auto s = size(n); !s) return s;
  if (n <= static_cast<std::int64_t>(max_)) return Status::success();
  const std::int64_t excess = n - static_cast<std::int64_t>(max_);
  // Oldest first: what is newest matters most to a report of the current period.
  const std::string cut = "(SELECT id FROM batches ORDER BY id LIMIT " + std::to_string(excess) + ")";
  if (auto s = db_.exec("DELETE FROM batch_rows WHERE batch IN " + cut + "; DELETE FROM batch_domains WHERE batch IN " +
                        cut + "; DELETE FROM batches WHERE id IN " + cut + ";");
      !s)
    return s;
  if (dropped != nullptr) *dropped += static_cast<std::uint64_t>(excess);
  return Status::success();
}

Status StatsSpool::size(std::int64_t& out) {
  Statement q;
  if (auto s = db_.prepare("SELECT count(*) FROM batches", q); !s) return s;
  if (q.step() != Statement::Step::row) return Status::failure(db_.last_error());
  out = q.column_int(0);
  return Status::success();
}

Status StatsSpool::oldest(std::size_t limit, std::vector<SpooledBatch>& out) {
  Statement b, r, d;
  if (auto s = db_.prepare("SELECT id, minute FROM batches ORDER BY id LIMIT ?1", b); !s) return fail(s.error);
  if (auto s = db_.prepare("SELECT network, category, action, count FROM batch_rows WHERE batch = ?1", r); !s)
    return fail(s.error);
  if (auto s = db_.prepare("SELECT day, domain, category, count FROM batch_domains WHERE batch = ?1", d); !s)
    return fail(s.error);
  b.bind(1, static_cast<std::int64_t>(limit));
  while (b.step() == Statement::Step::row) out.push_back({b.column_int(0), MinuteBatch{b.column_int(1), {}, {}}});
  for (auto& sb : out) {
    r.reset();
    r.bind(1, sb.id);
    while (r.step() == Statement::Step::row)
      sb.batch.rows.push_back({r.column_text(0), r.column_text(1), r.column_text(2),
                               static_cast<std::uint64_t>(r.column_int(3))});
    d.reset();
    d.bind(1, sb.id);
    while (d.step() == Statement::Step::row)
      sb.batch.blocked_domains.push_back({d.column_text(0), d.column_text(1), d.column_text(2),
                                          static_cast<std::uint64_t>(d.column_int(3))});
  }
  return Status::success();
}

Status StatsSpool::remove(std::int64_t id) {
  const std::string n = std::to_string(id);
  const Status s = db_.exec("BEGIN; DELETE FROM batch_rows WHERE batch = " + n + "; DELETE FROM batch_domains WHERE batch = " +
                            n + "; DELETE FROM batches WHERE id = " + n + "; COMMIT;");
  if (!s) (void)db_.exec("ROLLBACK;");
  return s ? s : fail(s.error);
}

}  // namespace sprout::stats
