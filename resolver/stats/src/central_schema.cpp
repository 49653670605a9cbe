// The central store's schema, as versioned migrations, and how a writer applies them.
#include <string>

#include "sprout/stats/central_store.hpp"

namespace sprout::stats {

const std::vector<std::string_view>& central_migrations() {
  static const std::vector<std::string_view> kMigrations{
      // 1: aggregates keyed by instance; `batches` makes every batch count exactly once.
      R"sql(
CREATE TABLE sprout_instances (name text PRIMARY KEY, last_seen bigint NOT NULL);
CREATE TABLE sprout_instance_labels (instance text NOT NULL, label text NOT NULL, value text NOT NULL,
  PRIMARY KEY (instance, label));
CREATE TABLE sprout_units (instance text NOT NULL, unit text NOT NULL, PRIMARY KEY (instance, unit));
CREATE TABLE sprout_unit_labels (instance text NOT NULL, unit text NOT NULL, label text NOT NULL,
  value text NOT NULL, PRIMARY KEY (instance, unit, label));
CREATE TABLE sprout_batches (instance text NOT NULL, batch text NOT NULL, minute bigint NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (instance, batch));
CREATE INDEX sprout_batches_minute ON sprout_batches (minute);
CREATE TABLE sprout_minute_counts (instance text NOT NULL, minute bigint NOT NULL, network text NOT NULL,
  category text NOT NULL, action text NOT NULL, count bigint NOT NULL,
  PRIMARY KEY (instance, minute, network, category, action));
CREATE INDEX sprout_minute_counts_minute ON sprout_minute_counts (minute);
CREATE TABLE sprout_blocked_domains (instance text NOT NULL, day date NOT NULL, category text NOT NULL,
  domain text NOT NULL, count bigint NOT NULL, PRIMARY KEY (instance, day, category, domain));
CREATE TABLE sprout_list_states (instance text NOT NULL, at bigint NOT NULL, name text NOT NULL,
  category text NOT NULL, entries bigint NOT NULL, last_refresh bigint NOT NULL, state text NOT NULL,
  PRIMARY KEY (instance, at, name));
)sql",
  };
  return kMigrations;
}

Status CentralStore::read_version() {
  PgResult r;
  if (auto s = pg_.exec("SELECT coalesce(max(version), 0) FROM sprout_schema", {}, &r); !s) return s;
  version_ = static_cast<int>(r.integer(0, 0));
  return Status::success();
}

Status CentralStore::migrate() {
  if (auto s = pg_.exec("CREATE TABLE IF NOT EXISTS sprout_schema (version integer PRIMARY KEY, "
                        "applied_at timestamptz NOT NULL DEFAULT now())");
      !s)
    return s;
  const auto& steps = central_migrations();
  return pg_.in_transaction([&]() -> Status {
    // Instances starting together: the first migrates, the others wait here and find it done.
    if (auto s = pg_.exec("SELECT pg_advisory_xact_lock(7312026)"); !s) return s;
    if (auto s = read_version(); !s) return s;
    if (version_ > static_cast<int>(steps.size())) {
      return Status::failure("postgresql: schema version " + std::to_string(version_) + " is newer than this build's " +
                             std::to_string(steps.size()) + " (upgrade sproutdns)");
    }
    for (auto v = static_cast<std::size_t>(version_); v < steps.size(); ++v) {
      if (auto s = pg_.exec(steps[v]); !s) return s;
      if (auto s = pg_.exec("INSERT INTO sprout_schema (version) VALUES ($1)", {std::to_string(v + 1)}); !s) return s;
    }
    version_ = static_cast<int>(steps.size());
    return Status::success();
  });
}

Status CentralStore::grant_reader(const std::string& role) {
  // `role` was checked by the config parser to be a plain lowercase identifier.
  const std::string sql =
      "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + role + "') THEN CREATE ROLE " + role +
      " NOLOGIN; END IF; END $$; GRANT USAGE ON SCHEMA public TO " + role + "; GRANT SELECT ON sprout_schema, "
      "sprout_instances, sprout_instance_labels, sprout_units, sprout_unit_labels, sprout_batches, "
      "sprout_minute_counts, sprout_blocked_domains, sprout_list_states TO " + role + ";";
  return pg_.exec(sql);
}

}  // namespace sprout::stats
