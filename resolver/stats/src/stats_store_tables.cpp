// StatsStore: networks, lists, retention and the reads reports are built from.
#include <exception>

#include "sprout/stats/stats_store.hpp"

namespace sprout::stats {
namespace {

ListState parse_state(std::string_view s) noexcept {
  if (s == "ok") return ListState::ok;
  if (s == "stale") return ListState::stale;
  if (s == "failed") return ListState::failed;
  return ListState::never_loaded;
}

}  // namespace

Status StatsStore::record_networks(const std::vector<NetworkInfo>& networks) try {
  if (auto s = ensure_open(); !s) return s;
  Statement add_net, del_labels, add_label;
  if (auto s = db_.prepare("INSERT OR IGNORE INTO networks VALUES (?1)", add_net); !s) return fail(s.error);
  if (auto s = db_.prepare("DELETE FROM network_labels WHERE network = ?1", del_labels); !s) return fail(s.error);
  if (auto s = db_.prepare("INSERT INTO network_labels VALUES (?1,?2,?3)", add_label); !s) return fail(s.error);
  // Networks gone from the config stay: their history is still reported under their name.
  const Status written = in_transaction(db_, [&]() -> Status {
    for (const auto& n : networks) {
      add_net.bind(1, n.name);
      del_labels.bind(1, n.name);
      Status s = run_done(db_, add_net, "networks");
      if (s) s = run_done(db_, del_labels, "network_labels");
      for (auto it = n.labels.begin(); s && it != n.labels.end(); ++it) {
        add_label.bind_all(n.name, it->first, it->second);
        s = run_done(db_, add_label, "network_labels");
      }
      if (!s) return s;
    }
    return Status::success();
  });
  return written ? written : fail(written.error);
} catch (const std::exception& e) {
  return fail(e.what());
}

Status StatsStore::record_lists(const std::vector<ListStatusRow>& lists) try {
  if (auto s = ensure_open(); !s) return s;
  Statement put;
  if (auto s = db_.prepare("INSERT OR REPLACE INTO lists VALUES (?1,?2,?3,?4,?5)", put); !s) return fail(s.error);
  const Status written = in_transaction(db_, [&]() -> Status {
    if (auto s = db_.exec("DELETE FROM lists;"); !s) return s;
    for (const auto& l : lists) {
      put.bind_all(l.name, l.category, static_cast<std::int64_t>(l.entries), l.last_refresh, list_state_name(l.state));
      if (auto s = run_done(db_, put, "lists"); !s) return s;
    }
    return Status::success();
  });
  return written ? written : fail(written.error);
} catch (const std::exception& e) {
  return fail(e.what());
}

Status StatsStore::enforce_retention(std::int64_t now) try {
  if (auto s = ensure_open(); !s) return s;
  const Date today = Date::from_unix(now, options_.utc_offset_minutes);
  const Date first_kept = today.plus_days(-(options_.retention_days - 1));
  const std::int64_t cutoff = day_start_unix(first_kept, options_.utc_offset_minutes);
  Statement del_minutes, del_days;
  if (auto s = db_.prepare("DELETE FROM minute_counts WHERE minute < ?1", del_minutes); !s) return fail(s.error);
  if (auto s = db_.prepare("DELETE FROM blocked_domains WHERE day < ?1", del_days); !s) return fail(s.error);
  del_minutes.bind(1, cutoff);
  del_days.bind(1, first_kept.to_string());  // ISO dates sort as text
  if (auto s = run_done(db_, del_minutes, "retention"); !s) return fail(s.error);
  if (auto s = run_done(db_, del_days, "retention"); !s) return fail(s.error);
  return Status::success();
} catch (const std::exception& e) {
  return fail(e.what());
}

Status StatsStore::read_counts(std::int64_t from, std::int64_t to, std::vector<StoredCount>& out) try {
  if (auto s = ensure_open(); !s) return s;
  Statement q;
  if (auto s = db_.prepare("SELECT minute, network, category, action, count FROM minute_counts "
                           "WHERE minute >= ?1 AND minute < ?2 ORDER BY minute, network, category, action",
                           q);
      !s)
    return fail(s.error);
  q.bind_all(from, to);
  Statement::Step st;
  while ((st = q.step()) == Statement::Step::row) {
    out.push_back(StoredCount{q.column_int(0), q.column_text(1), q.column_text(2), q.column_text(3),
                              static_cast<std::uint64_t>(q.column_int(4))});
  }
  if (st == Statement::Step::error) return fail(db_.last_error());
  return Status::success();
} catch (const std::exception& e) {
  return fail(e.what());
}

Status StatsStore::read_blocked_domains(const Date& from, const Date& to, std::vector<BlockedDomainRow>& out) try {
  if (auto s = ensure_open(); !s) return s;
  Statement q;
  if (auto s = db_.prepare("SELECT day, domain, category, count FROM blocked_domains "
                           "WHERE day >= ?1 AND day <= ?2 ORDER BY day, category, domain",
                           q);
      !s)
    return fail(s.error);
  q.bind_all(from.to_string(), to.to_string());
  Statement::Step st;
  while ((st = q.step()) == Statement::Step::row) {
    out.push_back(BlockedDomainRow{q.column_text(0), q.column_text(1), q.column_text(2),
                                   static_cast<std::uint64_t>(q.column_int(3))});
  }
  if (st == Statement::Step::error) return fail(db_.last_error());
  return Status::success();
} catch (const std::exception& e) {
  return fail(e.what());
}

Status StatsStore::read_networks(std::vector<NetworkInfo>& out) try {
  if (auto s = ensure_open(); !s) return s;
  Statement q;
  if (auto s = db_.prepare("SELECT n.name, l.label, l.value FROM networks n LEFT JOIN network_labels l "
                           "ON l.network = n.name ORDER BY n.name, l.label",
                           q);
      !s)
    return fail(s.error);
  Statement::Step st;
  while ((st = q.step()) == Statement::Step::row) {
    std::string name = q.column_text(0);
    if (out.empty() || out.back().name != name) out.push_back(NetworkInfo{name, {}});
    std::string label = q.column_text(1);
    if (!label.empty()) out.back().labels[label] = q.column_text(2);
  }
  if (st == Statement::Step::error) return fail(db_.last_error());
  return Status::success();
} catch (const std::exception& e) {
  return fail(e.what());
}

Status StatsStore::read_lists(std::int64_t, std::int64_t, std::vector<ListStatusRow>& out) try {
  if (auto s = ensure_open(); !s) return s;
  Statement q;
  if (auto s = db_.prepare("SELECT name, category, entries, last_refresh, state FROM lists ORDER BY name", q); !s)
    return fail(s.error);
  Statement::Step st;
  while ((st = q.step()) == Statement::Step::row) {
    out.push_back(ListStatusRow{q.column_text(0), q.column_text(1), static_cast<std::uint64_t>(q.column_int(2)),
                                q.column_int(3), parse_state(q.column_text(4))});
  }
  if (st == Statement::Step::error) return fail(db_.last_error());
  return Status::success();
} catch (const std::exception& e) {
  return fail(e.what());
}

}  // namespace sprout::stats
