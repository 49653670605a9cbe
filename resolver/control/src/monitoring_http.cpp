// Monitoring over HTTP: Prometheus text, the admin API's handlers and the block page lookup.
#include <algorithm>

#include "dashboard_http.hpp"
#include "overrides_http.hpp"
#include "pause_http.hpp"
#include "sprout/admin/metrics.hpp"
#include "sprout/blocklists/list_loader.hpp"
#include "sprout/blocklists/normalize.hpp"
#include "sprout/cache/packet_cache.hpp"
#include "sprout/control/monitoring.hpp"
#include "sprout/core/devices_view.hpp"
#include "sprout/core/client_device.hpp"
#include "sprout/core/explain.hpp"
#include "sprout/core/json.hpp"
#include "sprout/core/log.hpp"
#include "sprout/config/printable.hpp"
#include "sprout/net/listener_health.hpp"
#include "sprout/stats/report.hpp"
#include "sprout/stats/report_render.hpp"

namespace sprout::control {
namespace {

constexpr std::uint16_t kDefaultAdminPort = 8053;

// How long a listener may stay unarmed, or since its last failure, before /health calls it
// not serving: well above the longest pause a listener takes after an error.
constexpr std::chrono::seconds kListenerGrace{3};
static_assert(kListenerGrace >= 2 * net::kMaxListenerPause);

struct ListenerReport {
  std::vector<admin::ListenerStats> stats;
  std::string problems;  // one line per listener that is not serving
};

ListenerReport listener_report(const std::vector<std::unique_ptr<net::Worker>>& workers) {
  ListenerReport out;
  const auto now = core::ListenerState::Clock::now();
  for (const auto& w : workers) {
    for (const core::ListenerState* l : w->listeners()) {
      const core::ListenerState::View v = l->read();
      const auto problem = core::listener_problem(v, now, kListenerGrace);
      out.stats.push_back({l->name(), w->index(), !problem, v.errors});
      if (problem) out.problems += l->name() + " (worker " + std::to_string(w->index()) + ") not serving: " + *problem + "\n";
    }
  }
  return out;
}

std::vector<admin::UpstreamStats> upstream_stats(const config::Config& cfg, const std::vector<std::unique_ptr<net::Worker>>& workers) {
  std::vector<admin::UpstreamStats> out;
  for (std::size_t i = 0; i < cfg.upstreams.size() && i < net::kMaxUpstreams; ++i) {
    admin::UpstreamStats u;
    u.address = config::Endpoint{cfg.upstreams[i].address, cfg.upstreams[i].port}.to_string();
    for (const auto& w : workers) {
      u.queries += w->upstream_counters(i).queries.load(std::memory_order_relaxed);
      u.failures += w->upstream_counters(i).failures.load(std::memory_order_relaxed);
    }
    out.push_back(std::move(u));
  }
  return out;
}

std::vector<admin::ListStats> list_stats(const std::vector<blocklists::ListStatus>& lists) {
  std::vector<admin::ListStats> out;
  const auto now = std::chrono::system_clock::now();
  for (const auto& l : lists) {
    // The bundled seed before any download was tried is not a failed refresh.
    const bool failed = l.state != blocklists::ListState::ok && (l.state != blocklists::ListState::bundled || !l.error.empty());
    admin::ListStats s{l.name, l.category, l.entries, std::nullopt, failed ? 1u : 0u, std::nullopt};
    if (l.last_refresh) s.age_seconds = std::chrono::duration<double>(now - *l.last_refresh).count();
    if (l.expires) s.expire_seconds = std::chrono::duration<double>(*l.expires - now).count();
    out.push_back(std::move(s));
  }
  return out;
}

std::string content_type(stats::ReportFormat f) {
  switch (f) {
    case stats::ReportFormat::html: return "text/html; charset=utf-8";
    case stats::ReportFormat::csv: return "text/csv; charset=utf-8";
    case stats::ReportFormat::json: return "application/json";
  }
  return "text/plain";
}

// "reload":{"pending_restart":[...],"applied":[...]}: what SIGHUP did not apply, and what it did.
core::Json reload_json(const ControlCounters& c) {
  return {{"pending_restart", c.pending_restart}, {"applied", c.last_applied}};
}

std::vector<admin::EncryptedStats> encrypted_stats(const config::Config& cfg,
                                                   const std::vector<std::unique_ptr<net::Worker>>& workers) {
  std::vector<admin::EncryptedStats> out;
  auto sum = [&](core::Transport t, const char* name) {
    admin::EncryptedStats s{name};
    for (const auto& w : workers) {
      const net::TransportCounters& c = w->counters().transport(t);
      s.connections += c.connections.load(std::memory_order_relaxed);
      s.handshakes += c.handshakes.load(std::memory_order_relaxed);
      s.handshake_failures += c.handshake_failures.load(std::memory_order_relaxed);
      s.queries += c.queries.load(std::memory_order_relaxed);
      s.errors += c.errors.load(std::memory_order_relaxed);
      s.forwarded_ignored += c.forwarded_ignored.load(std::memory_order_relaxed);
    }
    out.push_back(std::move(s));
  };
  if (!cfg.dot.empty()) sum(core::Transport::dot, "dot");
  if (!cfg.doh.empty()) sum(core::Transport::doh, "doh");
  return out;
}

std::string param(const admin::QueryParams& p, const char* key, const char* fallback = "") {
  const auto it = p.find(key);
  return it == p.end() ? fallback : it->second;
}

}  // namespace

std::array<std::uint64_t, core::kIgnoredOptions> Monitoring::ignored_options() const {
  std::array<std::uint64_t, core::kIgnoredOptions> sum{};
  for (const auto& w : workers_) {
    for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += w->query_counters().ignored_options(static_cast<core::IgnoredOption>(i));
  }
  return sum;
}

std::string Monitoring::metrics_text() const {
  const auto snap = snapshots_.load();
  const config::Config& cfg = *snap->config;
  admin::MetricsInput in;
  for (auto& u : core::report_units(cfg)) in.networks.push_back({std::move(u.name), std::move(u.labels)});
  for (const auto& c : cfg.categories) in.categories.push_back(c.name);
  std::array<std::uint64_t, core::kLatencyBucketsUs.size() + 1> buckets{};
  std::uint64_t sum_us = 0;
  for (const auto& w : workers_) {
    const auto cells = w->query_counters().cells();
    in.cells.insert(in.cells.end(), cells.begin(), cells.end());
    const auto b = w->query_counters().latency_buckets();
    for (std::size_t i = 0; i < b.size(); ++i) buckets[i] += b[i];
    sum_us += w->query_counters().latency_sum_us();
    for (std::size_t g = 0; g < core::kGuards; ++g) in.guards[g] += w->query_counters().guard_count(static_cast<core::Guard>(g));
    in.tcp_connections += w->counters().tcp_connections.load(std::memory_order_relaxed);
  }
  in.ignored_options = ignored_options();
  in.encrypted = encrypted_stats(cfg, workers_);
  in.query_duration = admin::histogram_from_us(buckets, sum_us);
  if (snap->cache) {
    const cache::CacheStats cs = snap->cache->stats();
    in.cache = {cs.hits + cs.stale_hits, cs.misses, cs.size};
  }
  in.upstreams = upstream_stats(cfg, workers_);
  in.lists = list_stats(lists_.statuses());
  in.reloads = control_counters_.reloads;
  in.reload_failures = control_counters_.reload_failures;
  in.listeners = listener_report(workers_).stats;
  if (central_) {
    const auto& c = central_->counters();
    in.central = admin::MetricsInput::CentralStats{c.connected.load(), c.spooled.load(), c.sent.load(), c.dropped.load(),
                                                   c.failures.load()};
  }
  return admin::render_metrics(in);
}

std::string Monitoring::stats_json() const {
  const auto snap = snapshots_.load();
  std::array<std::uint64_t, core::kActions> totals{};
  for (const auto& w : workers_) {
    for (const auto& c : w->query_counters().cells()) totals[static_cast<std::size_t>(c.action)] += c.count;
  }
  core::Json queries = core::Json::object();
  for (std::size_t i = 0; i < totals.size(); ++i)
    queries[std::string(core::report_action_name(static_cast<core::ReportAction>(i)))] = totals[i];
  core::Json lists = core::Json::array();
  const auto now = std::chrono::system_clock::now();
  for (const auto& l : lists_.statuses()) {
    core::Json list = {{"name", l.name}, {"entries", l.entries}, {"state", blocklists::state_name(l.state)}};
    if (const auto days = blocklists::bundled_age_days(l, now)) {
      list["bundled"] = l.bundled;
      list["bundled_age_days"] = *days;
    }
    lists.push_back(std::move(list));
  }
  const core::Json stats = {{"generation", snap->generation},
                            {"config", snap->config->source},
                            {"queries", std::move(queries)},
                            {"cache_entries", snap->cache ? snap->cache->size() : std::size_t{0}},
                            {"lists", std::move(lists)},
                            {"reload", reload_json(control_counters_)}};
  return core::dump_json(stats);
}

std::string Monitoring::health_notes() const {
  std::string out;
  const auto now = std::chrono::system_clock::now();
  for (const auto& l : lists_.statuses()) {
    if (const std::string note = blocklists::bundled_note(l, now); !note.empty()) {
      out += "list " + config::printable(l.name) + ": " + note + "\n";
    }
  }
  return out;
}

admin::ReportResult Monitoring::report(const admin::QueryParams& params) {
  if (!store_ && !central_) return {503, "text/plain", "the stats store is disabled"};
  const auto from = stats::Date::parse(param(params, "from"));
  const auto to = stats::Date::parse(param(params, "to"));
  const auto format = stats::parse_format(param(params, "format", "json"));
  const auto lang = stats::parse_lang(param(params, "lang", "vi"));
  stats::ReportQuery q;
  if (!from || !to || !format || !lang) return {400, "text/plain", "need from=YYYY-MM-DD&to=YYYY-MM-DD[&format=html|csv|json][&lang=vi|en][&scope=label=value[;label=value]]"};
  q.from = *from;
  q.to = *to;
  // Several terms, all of which must match: scope=province=Dak Lak;district=Krong Pac
  const std::string scope = param(params, "scope");
  for (std::size_t at = 0; at < scope.size();) {
    const std::size_t end = std::min(scope.find(';', at), scope.size());
    const auto term = stats::parse_scope_term(std::string_view(scope).substr(at, end - at));
    if (!term) return {400, "text/plain", "scope must be label=value[;label=value...]"};
    q.scope.push_back(*term);
    at = end + 1;
  }
  flush_minute();  // the report includes the minute in progress
  stats::ReportData data;
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(core::process_clock().now().time_since_epoch()).count();
  stats::Status s;
  if (store_) {
    s = stats::build_report(*store_, q, now, data);
  } else {
    // Across every instance. Its own connection: the writer's belongs to the writer thread.
    stats::CentralStore reader(stats_options_);
    s = reader.open_reader();
    if (s) s = stats::build_report(reader, q, now, data);
  }
  if (!s.ok) return {500, "text/plain", s.error};
  return {200, content_type(*format), stats::render(data, *format, *lang)};
}

// POST /api/refresh[?list=NAME]: every URL list is checked again (conditional GETs: unchanged
// ones cost a round trip); a name must be a configured list.
admin::ReportResult Monitoring::refresh(const admin::QueryParams& params) {
  const std::string list = param(params, "list");
  const auto& lists = snapshots_.load()->config->lists;
  if (!list.empty() && std::none_of(lists.begin(), lists.end(), [&](const config::List& l) { return l.name == list; })) {
    return {404, "application/json", core::dump_json({{"error", "unknown list '" + config::printable(list) + "'"}}) + "\n"};
  }
  lists_.refresh_now();
  core::log::info("lists: refresh asked by ", config::printable(param(params, "principal")));
  return {202, "application/json", core::dump_json({{"ok", true}, {"refreshing", "every URL list"}}) + "\n"};
}

admin::BlockInfo Monitoring::block_info(std::string_view host, std::string_view client) const {
  const auto snap = snapshots_.load();
  const auto address = config::IpAddress::parse(client);
  const core::NetworkPolicy* net = address ? snap->networks.match(*address) : nullptr;
  if (net == nullptr) return {};
  const std::string name = blocklists::normalize_domain(host).value_or(std::string(host));
  // The visitor's device picks the profile, as it did for the DNS answer that led here.
  const core::DevicePolicy* device = core::device_at(*snap, *address);
  const core::Decision d = core::decide_for_client(*snap, *net, device, name, 1, snap->clock_now());
  admin::BlockInfo info{"", net->name, snap->config->profiles[device != nullptr ? device->profile : net->profile].name};
  if (d.category >= 0) info.category = snap->config->categories[static_cast<std::size_t>(d.category)].name;
  else if (d.kind == core::DecisionKind::block) info.category = std::string(core::reason_name(d.reason));
  return info;
}

admin::Handlers Monitoring::handlers() {
  admin::Handlers h;
  h.metrics = [this] { return metrics_text(); };
  h.ready = [this] { return snapshots_.generation() > 0 && lists_.settled(); };  // lists loaded
  h.health_notes = [this] { return health_notes(); };
  h.problems = [this] { return listener_report(workers_).problems; };
  h.stats_json = [this] { return stats_json(); };
  h.explain = [this](const admin::QueryParams& p) { return explain_request(*snapshots_.load(), p); };
  h.reload = [this] { return reload_(); };
  h.report = [this](const admin::QueryParams& p) { return report(p); };
  h.devices_json = [this] { return core::dump_json(core::devices_json(*snapshots_.load(), ignored_options()), 2) + "\n"; };
  h.pause = [this](const admin::QueryParams& p) { return pause_request(*snapshots_.load(), p); };
  h.pauses_json = [this] { return pauses_json(*snapshots_.load()); };
  h.audit = [this](const admin::QueryParams& p) { return audit_request(*snapshots_.load(), p); };
  h.overview = [this](const admin::QueryParams& p) { return overview(p); };
  h.lists = [this](const admin::QueryParams&) { return lists_request(lists_.statuses()); };
  h.networks = [this](const admin::QueryParams&) { return networks_request(*snapshots_.load()->config); };
  h.profiles = [this](const admin::QueryParams&) { return profiles_request(*snapshots_.load()); };
  h.overrides = [this](const admin::QueryParams&) { return overrides_request(*snapshots_.load()); };
  h.change_override = [this](const admin::QueryParams& p) { return override_request(*snapshots_.load(), p, apply_overrides_); };
  h.undo = [this](const admin::QueryParams& p) { return undo_request(*snapshots_.load(), p, apply_overrides_); };
  h.refresh = [this](const admin::QueryParams& p) { return refresh(p); };
  h.token = [this] { return snapshots_.load()->config->admin.token; };  // a reload applies it at once
  return h;
}

void Monitoring::listen(const config::Config& cfg) {
  if (cfg.admin.enabled) {
    admin::AdminOptions o;
    const config::Endpoint at = cfg.admin.listen.value_or(config::Endpoint{*config::IpAddress::parse("127.0.0.1"), kDefaultAdminPort});
    o.address = at.address.to_string();
    o.port = at.port;
    o.token = cfg.admin.token;
    o.accounts_file = accounts_path(cfg);
    try {
      admin_ = std::make_unique<admin::AdminServer>(control_, o, handlers());
      core::log::info("admin API on ", o.address, ":", admin_->port(), o.token.empty() ? " (no token: scripts cannot sign in)" : "");
      ready_lines_.push_back("admin " + o.address + " " + std::to_string(admin_->port()));
    } catch (const std::exception& e) {
      core::log::error("admin API: cannot listen on ", at.to_string(), ": ", e.what(), " (DNS service continues)");
    }
  }
  if (cfg.blockpage.listen) {
    admin::BlockPageOptions o;
    o.address = cfg.blockpage.listen->address.to_string();
    o.port = cfg.blockpage.listen->port;
    try {
      blockpage_ = std::make_unique<admin::BlockPageServer>(control_, o, [this](std::string_view host, std::string_view client) {
        return block_info(host, client);
      });
      core::log::info("block page on ", o.address, ":", blockpage_->port());
      ready_lines_.push_back("blockpage " + o.address + " " + std::to_string(blockpage_->port()));
    } catch (const std::exception& e) {
      core::log::error("block page: cannot listen on ", cfg.blockpage.listen->to_string(), ": ", e.what());
    }
  }
}

}  // namespace sprout::control
