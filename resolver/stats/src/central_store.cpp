// CentralStore: exactly-once batch writes, instance metadata, list states, retention, and
// the cross-instance reads reports are built from.
#include "sprout/stats/central_store.hpp"

#include <exception>

namespace sprout::stats {
namespace {

std::string num(std::int64_t v) { return std::to_string(v); }

ListState parse_list_state(std::string_view s) noexcept {
  if (s == "ok") return ListState::ok;
  if (s == "stale") return ListState::stale;
  if (s == "failed") return ListState::failed;
  return ListState::never_loaded;
}

}  // namespace

CentralStore::CentralStore(StatsOptions options) : options_(std::move(options)) {}

Status CentralStore::open_writer(const std::string& report_role) try {
  if (auto s = pg_.connect(options_.pg_conninfo); !s) return s;
  if (auto s = migrate(); !s) {
    pg_.close();
    return s;
  }
  // Without CREATEROLE the reader role is left to the DBA: the writer still works.
  if (auto s = grant_reader(report_role); !s) return Status::failure("schema ready, but the read-only role: " + s.error);
  return Status::success();
} catch (const std::exception& e) {
  return Status::failure(std::string("postgresql: ") + e.what());
}

Status CentralStore::open_reader() try {
  if (auto s = pg_.connect(options_.pg_conninfo); !s) return s;
  Status s = read_version();
  if (s && version_ == 0) s = Status::failure("postgresql: no Sprout schema in this database (no instance wrote yet)");
  if (s && version_ > static_cast<int>(central_migrations().size()))
    s = Status::failure("postgresql: schema version " + num(version_) + " is newer than this build's");
  if (!s) pg_.close();
  return s;
} catch (const std::exception& e) {
  return Status::failure(std::string("postgresql: ") + e.what());
}

Status CentralStore::write_batch(const std::string& instance, const std::string& batch_key, const MinuteBatch& batch,
                                 bool* already) try {
  bool seen = false;
  Status s = pg_.in_transaction([&]() -> Status {
    PgResult r;
    if (auto st = pg_.exec("INSERT INTO sprout_batches (instance, batch, minute) VALUES ($1,$2,$3) "
                           "ON CONFLICT DO NOTHING", {instance, batch_key, num(batch.minute)}, &r);
        !st)
      return st;
    if (r.affected() == 0) {  // written before: the COMMIT's reply was lost, not the COMMIT
      seen = true;
      return Status::success();
    }
    for (const auto& row : batch.rows) {
      if (auto st = pg_.exec("INSERT INTO sprout_minute_counts VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT "
                             "(instance, minute, network, category, action) DO UPDATE SET count = "
                             "sprout_minute_counts.count + excluded.count",
                             {instance, num(batch.minute), row.network, row.category, row.action,
                              std::to_string(row.count)});
          !st)
        return st;
    }
    for (const auto& d : batch.blocked_domains) {
      if (auto st = pg_.exec("INSERT INTO sprout_blocked_domains VALUES ($1,$2,$3,$4,$5) ON CONFLICT "
                             "(instance, day, category, domain) DO UPDATE SET count = "
                             "sprout_blocked_domains.count + excluded.count",
                             {instance, d.day, d.category, d.domain, std::to_string(d.count)});
          !st)
        return st;
    }
    return Status::success();
  });
  if (already != nullptr) *already = seen;
  return s;
} catch (const std::exception& e) {
  return Status::failure(std::string("postgresql: ") + e.what());
}

Status CentralStore::record_instance(const std::string& instance, const std::map<std::string, std::string>& labels,
                                     const std::vector<NetworkInfo>& units, std::int64_t now) try {
  return pg_.in_transaction([&]() -> Status {
    if (auto s = pg_.exec("INSERT INTO sprout_instances VALUES ($1,$2) ON CONFLICT (name) DO UPDATE SET "
                          "last_seen = excluded.last_seen", {instance, num(now)});
        !s)
      return s;
    if (auto s = pg_.exec("DELETE FROM sprout_instance_labels WHERE instance = $1", {instance}); !s) return s;
    for (const auto& [k, v] : labels)
      if (auto s = pg_.exec("INSERT INTO sprout_instance_labels VALUES ($1,$2,$3)", {instance, k, v}); !s) return s;
    // Units gone from the config stay: their history is still reported under their name.
    for (const auto& u : units) {
      if (auto s = pg_.exec("INSERT INTO sprout_units VALUES ($1,$2) ON CONFLICT DO NOTHING", {instance, u.name}); !s)
        return s;
      if (auto s = pg_.exec("DELETE FROM sprout_unit_labels WHERE instance = $1 AND unit = $2", {instance, u.name}); !s)
        return s;
      for (const auto& [k, v] : u.labels)
        if (auto s = pg_.exec("INSERT INTO sprout_unit_labels VALUES ($1,$2,$3,$4)", {instance, u.name, k, v}); !s)
          return s;
    }
    return Status::success();
  });
} catch (const std::exception& e) {
  return Status::failure(std::string("postgresql: ") + e.what());
}

Status CentralStore::record_lists(const std::string& instance, std::int64_t at, const std::vector<ListStatusRow>& lists) try {
  return pg_.in_transaction([&]() -> Status {
    for (const auto& l : lists) {
      if (auto s = pg_.exec("INSERT INTO sprout_list_states VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT DO NOTHING",
                            {instance, num(at), l.name, l.category, std::to_string(l.entries), num(l.last_refresh),
                             std::string(list_state_name(l.state))});
          !s)
        return s;
    }
    return Status::success();
  });
} catch (const std::exception& e) {
  return Status::failure(std::string("postgresql: ") + e.what());
}

Status CentralStore::enforce_retention(std::int64_t now) try {
  const Date first_kept = Date::from_unix(now, options_.utc_offset_minutes).plus_days(-(options_.retention_days - 1));
  const std::string cutoff = num(day_start_unix(first_kept, options_.utc_offset_minutes));
  return pg_.in_transaction([&]() -> Status {
    if (auto s = pg_.exec("DELETE FROM sprout_minute_counts WHERE minute < $1", {cutoff}); !s) return s;
    if (auto s = pg_.exec("DELETE FROM sprout_batches WHERE minute < $1", {cutoff}); !s) return s;
    if (auto s = pg_.exec("DELETE FROM sprout_list_states WHERE at < $1", {cutoff}); !s) return s;
    return pg_.exec("DELETE FROM sprout_blocked_domains WHERE day < $1::date", {first_kept.to_string()});
  });
} catch (const std::exception& e) {
  return Status::failure(std::string("postgresql: ") + e.what());
}

// Rows of (minute, network, category, action, count), as both count queries select them.
static void append_counts(const PgResult& r, std::vector<StoredCount>& out) {
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.integer(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), static_cast<std::uint64_t>(r.integer(i, 4))});
}

Status CentralStore::read_counts(std::int64_t from, std::int64_t to, std::vector<StoredCount>& out) try {
  PgResult r;
  if (auto s = pg_.exec("SELECT minute, instance || '/' || network, category, action, count FROM sprout_minute_counts "
                        "WHERE minute >= $1 AND minute < $2 ORDER BY 1, 2, 3, 4",
                        {num(from), num(to)}, &r);
      !s)
    return s;
  append_counts(r, out);
  return Status::success();
} catch (const std::exception& e) {
  return Status::failure(std::string("postgresql: ") + e.what());
}

Status CentralStore::read_instance_counts(const std::string& instance, std::int64_t from, std::int64_t to,
                                          std::vector<StoredCount>& out) try {
  PgResult r;
  if (auto s = pg_.exec("SELECT minute, network, category, action, count FROM sprout_minute_counts "
                        "WHERE instance = $1 AND minute >= $2 AND minute < $3 ORDER BY 1, 2, 3, 4",
                        {instance, num(from), num(to)}, &r);
      !s)
    return s;
  append_counts(r, out);
  return Status::success();
} catch (const std::exception& e) {
  return Status::failure(std::string("postgresql: ") + e.what());
}

Status CentralStore::read_blocked_domains(const Date& from, const Date& to, std::vector<BlockedDomainRow>& out) try {
  PgResult r;
  if (auto s = pg_.exec("SELECT to_char(day, 'YYYY-MM-DD'), domain, category, sum(count) FROM sprout_blocked_domains "
                        "WHERE day >= $1::date AND day <= $2::date GROUP BY 1, 2, 3 ORDER BY 1, 3, 2",
                        {from.to_string(), to.to_string()}, &r);
      !s)
    return s;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.text(i, 0), r.text(i, 1), r.text(i, 2), static_cast<std::uint64_t>(r.integer(i, 3))});
  return Status::success();
} catch (const std::exception& e) {
  return Status::failure(std::string("postgresql: ") + e.what());
}

Status CentralStore::read_networks(std::vector<NetworkInfo>& out) try {
  PgResult inst, units;
  if (auto s = pg_.exec("SELECT instance, label, value FROM sprout_instance_labels", {}, &inst); !s) return s;
  if (auto s = pg_.exec("SELECT u.instance, u.unit, l.label, l.value FROM sprout_units u LEFT JOIN sprout_unit_labels l "
                        "ON l.instance = u.instance AND l.unit = u.unit ORDER BY 1, 2, 3",
                        {}, &units);
      !s)
    return s;
  std::map<std::string, std::map<std::string, std::string>> instance_labels;
  for (int i = 0; i < inst.rows(); ++i) instance_labels[inst.text(i, 0)][inst.text(i, 1)] = inst.text(i, 2);
  for (int i = 0; i < units.rows(); ++i) {
    const std::string instance = units.text(i, 0);
    const std::string name = instance + "/" + units.text(i, 1);
    if (out.empty() || out.back().name != name) {
      // A unit's own labels (school=...) go over its instance's (province, district).
      NetworkInfo n{name, instance_labels[instance]};
      n.labels["instance"] = instance;
      out.push_back(std::move(n));
    }
    if (const std::string label = units.text(i, 2); !label.empty()) out.back().labels[label] = units.text(i, 3);
  }
  return Status::success();
} catch (const std::exception& e) {
  return Status::failure(std::string("postgresql: ") + e.what());
}

Status CentralStore::read_lists(std::int64_t from, std::int64_t to, std::vector<ListStatusRow>& out) try {
  // Per instance and list: the last state recorded before the period ended, unless a worse
  // one (failed, then stale) was recorded within the period: a report flags it.
  PgResult r;
  if (auto s = pg_.exec(
          "SELECT DISTINCT ON (instance, name) instance || '/' || name, category, entries, last_refresh, state "
          "FROM sprout_list_states WHERE at < $2 "
          "ORDER BY instance, name, (at >= $1 AND state = 'failed') DESC, (at >= $1 AND state = 'stale') DESC, at DESC",
          {num(from), num(to)}, &r);
      !s)
    return s;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.text(i, 0), r.text(i, 1), static_cast<std::uint64_t>(r.integer(i, 2)), r.integer(i, 3),
                   parse_list_state(r.text(i, 4))});
  return Status::success();
} catch (const std::exception& e) {
  return Status::failure(std::string("postgresql: ") + e.what());
}

Status CentralStore::read_coverage(std::int64_t from, std::int64_t to, std::vector<CoverageRow>& out) try {
  // Every instance ever seen, so a district that went silent shows 0 minutes.
  PgResult r, labels;
  if (auto s = pg_.exec("SELECT i.name, (SELECT count(DISTINCT b.minute) FROM sprout_batches b WHERE b.instance = i.name "
                        "AND b.minute >= $1 AND b.minute < $2), coalesce((SELECT max(b.minute) FROM sprout_batches b "
                        "WHERE b.instance = i.name), 0) FROM sprout_instances i ORDER BY 1",
                        {num(from), num(to)}, &r);
      !s)
    return s;
  if (auto s = pg_.exec("SELECT instance, label, value FROM sprout_instance_labels", {}, &labels); !s) return s;
  std::map<std::string, std::map<std::string, std::string>> by_instance;
  for (int i = 0; i < labels.rows(); ++i) by_instance[labels.text(i, 0)][labels.text(i, 1)] = labels.text(i, 2);
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.text(i, 0), by_instance[r.text(i, 0)], r.integer(i, 1), r.integer(i, 2)});
  return Status::success();
} catch (const std::exception& e) {
  return Status::failure(std::string("postgresql: ") + e.what());
}

}  // namespace sprout::stats
