// Readers for the monitoring keys: admin, blockpage, stats, reports, query_log.
#include <algorithm>

#include "address_parts.hpp"
#include "config_parser.hpp"
#include "values.hpp"

namespace sprout::config::detail {

void ConfigParser::read_admin(const Field& f) {
  Admin& a = cfg_->admin;
  r_.fields(f, {
      {"enabled", [&](const Field& v) { a.enabled = r_.boolean(v).value_or(a.enabled); }},
      {"listen", [&](const Field& v) { a.listen = read_endpoint(v); }},
      {"token", [&](const Field& v) {
         auto t = r_.string(v, "a token");
         if (t && t->size() < 16) r_.error(v, "token is too short (at least 16 characters)");
         else if (t) a.token = *t;
       }},
  });
}

void ConfigParser::read_blockpage(const Field& f) {
  r_.fields(f, {{"listen", [&](const Field& v) { cfg_->blockpage.listen = read_endpoint(v); }}});
}

void ConfigParser::read_stats(const Field& f) {
  Stats& s = cfg_->stats;
  r_.fields(f, {
      {"enabled", [&](const Field& v) { s.enabled = r_.boolean(v).value_or(s.enabled); }},
      {"database", [&](const Field& v) { if (auto p = r_.string(v, "a file path")) s.database = resolve_path(*p); }},
      {"retention_days", [&](const Field& v) { if (auto n = r_.integer(v, 1, 3650)) s.retention_days = static_cast<int>(*n); }},
      {"threshold", [&](const Field& v) { if (auto n = r_.integer(v, 1, 1000)) s.threshold = static_cast<int>(*n); }},
      {"backend", [&](const Field& v) {
         if (auto b = r_.choice<StatsBackend>(v, {{"sqlite", StatsBackend::sqlite}, {"postgresql", StatsBackend::postgresql}}))
           s.backend = *b;
       }},
      {"postgresql", [&](const Field& v) { read_postgres_stats(v); }},
  });
  if (s.backend == StatsBackend::postgresql && s.postgresql.conninfo.empty() && s.postgresql.conninfo_file.empty())
    r_.error(f, "backend postgresql needs postgresql.conninfo or postgresql.conninfo_file");
}

void ConfigParser::read_postgres_stats(const Field& f) {
  PostgresStats& p = cfg_->stats.postgresql;
  r_.fields(f, {
      {"conninfo", [&](const Field& v) { if (auto c = r_.string(v, "a libpq connection string")) p.conninfo = *c; }},
      {"conninfo_file", [&](const Field& v) { if (auto c = r_.string(v, "a file path")) p.conninfo_file = resolve_path(*c); }},
      {"spool", [&](const Field& v) { if (auto c = r_.string(v, "a file path")) p.spool = resolve_path(*c); }},
      {"spool_max", [&](const Field& v) { if (auto n = r_.integer(v, 1, 1000000)) p.spool_max = static_cast<int>(*n); }},
      {"report_role", [&](const Field& v) {
         auto c = r_.string(v, "a role name");
         // The name is put into GRANT statements: only a plain identifier is accepted.
         if (c && (c->empty() || c->find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos))
           r_.error(v, "'" + *c + "' is not a role name (lowercase letters, digits, _)");
         else if (c) p.report_role = *c;
       }},
  });
  if (!p.conninfo.empty() && !p.conninfo_file.empty()) r_.error(f, "conninfo and conninfo_file are exclusive: give one");
}

void ConfigParser::read_instance(const Field& f) {
  Instance& i = cfg_->instance;
  r_.fields(f, {
      {"name", [&](const Field& v) {
         auto n = r_.string(v, "a name");
         if (n && (n->empty() || n->size() > 63)) r_.error(v, "an instance name is 1-63 characters");
         else if (n) i.name = *n;
       }},
      {"labels", [&](const Field& v) {
         r_.entries(v, [&](const std::string& key, const Field& l) {
           if (auto s = r_.string(l, "a string")) i.labels[key] = *s;
         });
       }},
  });
}

void ConfigParser::read_reports(const Field& f) {
  Reports& rep = cfg_->reports;
  const auto one_of = [&](const Field& v, std::initializer_list<std::string_view> valid, std::vector<std::string>& out) {
    out.clear();
    r_.items(v, [&](const Field& item) {
      auto s = r_.string(item);
      if (!s) return;
      if (std::find(valid.begin(), valid.end(), *s) == valid.end()) {
        std::string names;
        for (auto n : valid) names += (names.empty() ? "" : ", ") + std::string(n);
        r_.error(item, "'" + *s + "' is not valid (valid: " + names + ")");
      } else {
        out.push_back(*s);
      }
    });
  };
  r_.fields(f, {
      {"periods", [&](const Field& v) {
         r_.items(v, [&](const Field& item) {
           if (auto p = r_.choice<ReportPeriod>(item, {{"daily", ReportPeriod::daily}, {"weekly", ReportPeriod::weekly},
                                                       {"monthly", ReportPeriod::monthly}})) rep.periods.push_back(*p);
         });
       }},
      {"directory", [&](const Field& v) { if (auto p = r_.string(v, "a directory")) rep.directory = resolve_path(*p); }},
      {"formats", [&](const Field& v) { one_of(v, {"html", "csv", "json"}, rep.formats); }},
      {"languages", [&](const Field& v) { one_of(v, {"vi", "en"}, rep.languages); }},
  });
}

void ConfigParser::read_query_log(const Field& f) {
  QueryLog& q = cfg_->query_log;
  r_.fields(f, {
      {"enabled", [&](const Field& v) { q.enabled = r_.boolean(v).value_or(q.enabled); }},
      {"database", [&](const Field& v) { if (auto p = r_.string(v, "a file path")) q.database = resolve_path(*p); }},
      {"retention_days", [&](const Field& v) { if (auto n = r_.integer(v, 1, 365)) q.retention_days = static_cast<int>(*n); }},
      {"opt_out", [&](const Field& v) { q.opt_out = r_.strings(v); }},
  });
}

}  // namespace sprout::config::detail
