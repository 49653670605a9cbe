// The reload table: every config key, its reload kind, and how to tell whether it changed.
#include "sprout/config/reload_kind.hpp"

#include <algorithm>
#include <array>

namespace sprout::config {
namespace {

using Differs = bool (*)(const Config&, const Config&);

struct KeyRule {
  std::string_view path;
  ReloadKind kind;
  Differs differs;
};

template <auto Key>
bool key_differs(const Config& a, const Config& b) {
  return !(a.*Key == b.*Key);
}

template <auto Section, auto Key>
bool sub_key_differs(const Config& a, const Config& b) {
  return !((a.*Section).*Key == (b.*Section).*Key);
}

using enum ReloadKind;

// Restart keys bind sockets or own files that are set up once, before privileges are
// dropped, so a SIGHUP-time change could not be applied by the unprivileged process.
// admin.enabled is restart too: it decides whether the admin socket is bound at all.
constexpr std::array kRules{
    KeyRule{"listen", restart, key_differs<&Config::listen>},
    KeyRule{"workers", restart, key_differs<&Config::workers>},
    KeyRule{"upstreams", snapshot, key_differs<&Config::upstreams>},
    KeyRule{"tcp.idle_timeout", snapshot, sub_key_differs<&Config::tcp, &TcpLimits::idle_timeout>},
    KeyRule{"tcp.max_connections", snapshot, sub_key_differs<&Config::tcp, &TcpLimits::max_connections>},
    KeyRule{"tcp.max_inflight_per_connection", snapshot, sub_key_differs<&Config::tcp, &TcpLimits::max_inflight_per_connection>},
    KeyRule{"logging.level", snapshot, sub_key_differs<&Config::logging, &Logging::level>},
    KeyRule{"state_dir", restart, key_differs<&Config::state_dir>},
    KeyRule{"categories", snapshot, key_differs<&Config::categories>},
    KeyRule{"lists", snapshot, key_differs<&Config::lists>},
    KeyRule{"profiles", snapshot, key_differs<&Config::profiles>},
    KeyRule{"networks", snapshot, key_differs<&Config::networks>},
    KeyRule{"timezone", snapshot, key_differs<&Config::timezone>},
    KeyRule{"allow", snapshot, key_differs<&Config::allow>},
    KeyRule{"deny", snapshot, key_differs<&Config::deny>},
    KeyRule{"overrides", snapshot, key_differs<&Config::overrides>},  // state_dir/overrides.json
    KeyRule{"blocked_answers", snapshot, key_differs<&Config::blocked_answers>},
    KeyRule{"proxy_protocol", snapshot, key_differs<&Config::proxy_protocol>},
    KeyRule{"rate_limit.qps", snapshot, sub_key_differs<&Config::rate_limit, &RateLimit::qps>},
    KeyRule{"rate_limit.burst", snapshot, sub_key_differs<&Config::rate_limit, &RateLimit::burst>},
    KeyRule{"rate_limit.ipv4_prefix", snapshot, sub_key_differs<&Config::rate_limit, &RateLimit::ipv4_prefix>},
    KeyRule{"rate_limit.ipv6_prefix", snapshot, sub_key_differs<&Config::rate_limit, &RateLimit::ipv6_prefix>},
    KeyRule{"rate_limit.action", snapshot, sub_key_differs<&Config::rate_limit, &RateLimit::action>},
    KeyRule{"upstream_limit.per_client", snapshot, sub_key_differs<&Config::upstream_limit, &UpstreamLimit::per_client>},
    KeyRule{"upstream_limit.total", snapshot, sub_key_differs<&Config::upstream_limit, &UpstreamLimit::total>},
    KeyRule{"cache.max_entries", snapshot, sub_key_differs<&Config::cache, &Cache::max_entries>},
    KeyRule{"cache.min_ttl", snapshot, sub_key_differs<&Config::cache, &Cache::min_ttl>},
    KeyRule{"cache.max_ttl", snapshot, sub_key_differs<&Config::cache, &Cache::max_ttl>},
    KeyRule{"cache.negative_ttl", snapshot, sub_key_differs<&Config::cache, &Cache::negative_ttl>},
    KeyRule{"cache.serve_stale", snapshot, sub_key_differs<&Config::cache, &Cache::serve_stale>},
    KeyRule{"cache.stale_answer_ttl", snapshot, sub_key_differs<&Config::cache, &Cache::stale_answer_ttl>},
    KeyRule{"cache.stale_max_age", snapshot, sub_key_differs<&Config::cache, &Cache::stale_max_age>},
    KeyRule{"cache.prefetch", snapshot, sub_key_differs<&Config::cache, &Cache::prefetch>},
    KeyRule{"admin.enabled", restart, sub_key_differs<&Config::admin, &Admin::enabled>},
    KeyRule{"admin.listen", restart, sub_key_differs<&Config::admin, &Admin::listen>},
    KeyRule{"admin.token", snapshot, sub_key_differs<&Config::admin, &Admin::token>},
    KeyRule{"blockpage.listen", restart, sub_key_differs<&Config::blockpage, &BlockPage::listen>},
    KeyRule{"instance.name", snapshot, sub_key_differs<&Config::instance, &Instance::name>},
    KeyRule{"instance.labels", snapshot, sub_key_differs<&Config::instance, &Instance::labels>},
    KeyRule{"stats.enabled", snapshot, sub_key_differs<&Config::stats, &Stats::enabled>},
    KeyRule{"stats.database", snapshot, sub_key_differs<&Config::stats, &Stats::database>},
    KeyRule{"stats.retention_days", snapshot, sub_key_differs<&Config::stats, &Stats::retention_days>},
    KeyRule{"stats.threshold", snapshot, sub_key_differs<&Config::stats, &Stats::threshold>},
    KeyRule{"stats.backend", snapshot, sub_key_differs<&Config::stats, &Stats::backend>},
    KeyRule{"stats.postgresql", snapshot, sub_key_differs<&Config::stats, &Stats::postgresql>},
    KeyRule{"reports.periods", snapshot, sub_key_differs<&Config::reports, &Reports::periods>},
    KeyRule{"reports.directory", snapshot, sub_key_differs<&Config::reports, &Reports::directory>},
    KeyRule{"reports.formats", snapshot, sub_key_differs<&Config::reports, &Reports::formats>},
    KeyRule{"reports.languages", snapshot, sub_key_differs<&Config::reports, &Reports::languages>},
    KeyRule{"query_log.enabled", snapshot, sub_key_differs<&Config::query_log, &QueryLog::enabled>},
    KeyRule{"query_log.database", snapshot, sub_key_differs<&Config::query_log, &QueryLog::database>},
    KeyRule{"query_log.retention_days", snapshot, sub_key_differs<&Config::query_log, &QueryLog::retention_days>},
    KeyRule{"query_log.opt_out", snapshot, sub_key_differs<&Config::query_log, &QueryLog::opt_out>},
    KeyRule{"devices", snapshot, key_differs<&Config::devices>},
    KeyRule{"trusted_forwarders", snapshot, key_differs<&Config::trusted_forwarders>},
    KeyRule{"dhcp_leases", snapshot, key_differs<&Config::dhcp_leases>},
    KeyRule{"services", snapshot, key_differs<&Config::services>},
    // The certificate files are re-read on SIGHUP (a bad one keeps the old certificate);
    // listeners are sockets bound once; client IDs are looked up per query.
    KeyRule{"tls", snapshot, key_differs<&Config::tls>},
    KeyRule{"dot", restart, key_differs<&Config::dot>},
    KeyRule{"doh", restart, key_differs<&Config::doh>},
    KeyRule{"clients", snapshot, key_differs<&Config::clients>},
};

// "admin" covers "admin.token"; "allow" does not cover "allowed".
bool covers(std::string_view key, std::string_view rule_path) {
  return rule_path == key || (rule_path.size() > key.size() && rule_path.starts_with(key) && rule_path[key.size()] == '.');
}

// The key one level up: "profiles.kids.block" -> "profiles.kids", "upstreams[0]" -> "upstreams".
std::string_view parent(std::string_view path) {
  const auto cut = path.find_last_of(".[");
  return cut == std::string_view::npos ? std::string_view{} : path.substr(0, cut);
}

}  // namespace

std::vector<KeyChange> changed_keys(const Config& running, const Config& next) {
  std::vector<KeyChange> out;
  for (const auto& rule : kRules) {
    if (rule.differs(running, next)) out.push_back({std::string(rule.path), rule.kind});
  }
  return out;
}

std::vector<std::string> restart_keys(const std::vector<KeyChange>& changes) {
  std::vector<std::string> out;
  for (const auto& c : changes) {
    if (c.kind == ReloadKind::restart) out.push_back(c.path);
  }
  return out;
}

ReloadKind reload_kind(std::string_view path) {
  // Unknown keys answer restart: telling an operator to restart is never wrong, while
  // promising that SIGHUP applies something it does not would be.
  for (; !path.empty(); path = parent(path)) {
    bool found = false;
    for (const auto& rule : kRules) {
      if (!covers(path, rule.path)) continue;
      if (rule.kind == ReloadKind::restart) return ReloadKind::restart;
      found = true;
    }
    if (found) return ReloadKind::snapshot;
  }
  return ReloadKind::restart;
}

}  // namespace sprout::config
