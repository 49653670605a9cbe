// The reload model: each key's kind, and which keys two configs differ in (what SIGHUP applies).
#include <catch2/catch.hpp>

#include <functional>
#include <set>
#include <utility>

#include "must_load.hpp"
#include "sprout/config/loader.hpp"
#include "sprout/config/reload_kind.hpp"

using namespace sprout::config;
using namespace std::chrono_literals;

namespace {

constexpr const char* kBase = R"(
listen: ["127.0.0.1:5354"]
workers: 2
upstreams: [{address: 192.0.2.1, port: 5300}]
state_dir: /var/lib/sprout-test
timezone: Asia/Ho_Chi_Minh
categories: {adult: {}, games: {}}
lists:
  adult-list: {category: adult, source: /srv/lists/adult.txt}
profiles:
  kids:
    block: [adult]
    schedules:
      school: {windows: [{days: [mon-fri], from: "07:00", to: "11:30"}], block: [games]}
networks:
  home: {cidrs: [192.168.1.0/24], profile: kids, labels: {school: "THCS A"}}
admin: {listen: "127.0.0.1:8053", token: "0123456789abcdef0123"}
blockpage: {listen: "127.0.0.1:8080"}
query_log: {enabled: true, opt_out: [home]}
)";

// Written out here rather than read back from the library, so a changed kind is a failed test.
const std::vector<std::pair<std::string, ReloadKind>> kExpectedKinds{
    {"listen", ReloadKind::restart},
    {"workers", ReloadKind::restart},
    {"upstreams", ReloadKind::snapshot},
    {"tcp.idle_timeout", ReloadKind::snapshot},
    {"tcp.max_connections", ReloadKind::snapshot},
    {"tcp.max_inflight_per_connection", ReloadKind::snapshot},
    {"logging.level", ReloadKind::snapshot},
    {"state_dir", ReloadKind::restart},
    {"categories", ReloadKind::snapshot},
    {"lists", ReloadKind::snapshot},
    {"profiles", ReloadKind::snapshot},
    {"networks", ReloadKind::snapshot},
    {"timezone", ReloadKind::snapshot},
    {"allow", ReloadKind::snapshot},
    {"deny", ReloadKind::snapshot},
    {"overrides", ReloadKind::snapshot},
    {"blocked_answers", ReloadKind::snapshot},
    {"proxy_protocol", ReloadKind::snapshot},
    {"rate_limit.qps", ReloadKind::snapshot},
    {"rate_limit.burst", ReloadKind::snapshot},
    {"rate_limit.ipv4_prefix", ReloadKind::snapshot},
    {"rate_limit.ipv6_prefix", ReloadKind::snapshot},
    {"rate_limit.action", ReloadKind::snapshot},
    {"upstream_limit.per_client", ReloadKind::snapshot},
    {"upstream_limit.total", ReloadKind::snapshot},
    {"cache.max_entries", ReloadKind::snapshot},
    {"cache.min_ttl", ReloadKind::snapshot},
    {"cache.max_ttl", ReloadKind::snapshot},
    {"cache.negative_ttl", ReloadKind::snapshot},
    {"cache.serve_stale", ReloadKind::snapshot},
    {"cache.stale_answer_ttl", ReloadKind::snapshot},
    {"cache.stale_max_age", ReloadKind::snapshot},
    {"cache.prefetch", ReloadKind::snapshot},
    {"admin.enabled", ReloadKind::restart},
    {"admin.listen", ReloadKind::restart},
    {"admin.token", ReloadKind::snapshot},
    {"blockpage.listen", ReloadKind::restart},
    {"stats.enabled", ReloadKind::snapshot},
    {"stats.database", ReloadKind::snapshot},
    {"stats.retention_days", ReloadKind::snapshot},
    {"stats.threshold", ReloadKind::snapshot},
    {"reports.periods", ReloadKind::snapshot},
    {"reports.directory", ReloadKind::snapshot},
    {"reports.formats", ReloadKind::snapshot},
    {"reports.languages", ReloadKind::snapshot},
    {"query_log.enabled", ReloadKind::snapshot},
    {"query_log.database", ReloadKind::snapshot},
    {"query_log.retention_days", ReloadKind::snapshot},
    {"query_log.opt_out", ReloadKind::snapshot},
    {"devices", ReloadKind::snapshot},
    {"trusted_forwarders", ReloadKind::snapshot},
    {"dhcp_leases", ReloadKind::snapshot},
    {"services", ReloadKind::snapshot},
    {"tls", ReloadKind::snapshot},
    {"dot", ReloadKind::restart},
    {"doh", ReloadKind::restart},
    {"clients", ReloadKind::snapshot},
};

using Edit = std::function<void(Config&)>;

// One edit per key: each must be reported as exactly that key.
const std::vector<std::pair<std::string, Edit>> kOneKeyEdits{
    {"listen", [](Config& c) { c.listen[0].port = 5355; }},
    {"workers", [](Config& c) { c.workers = 4; }},
    {"upstreams", [](Config& c) { c.upstreams[0].tries = 5; }},
    {"tcp.idle_timeout", [](Config& c) { c.tcp.idle_timeout = 3s; }},
    {"tcp.max_connections", [](Config& c) { c.tcp.max_connections = 7; }},
    {"tcp.max_inflight_per_connection", [](Config& c) { c.tcp.max_inflight_per_connection = 3; }},
    {"logging.level", [](Config& c) { c.logging.level = LogLevel::debug; }},
    {"state_dir", [](Config& c) { c.state_dir = "/srv/sprout"; }},
    {"categories", [](Config& c) { c.categories[0].description = "Adult sites"; }},
    {"lists", [](Config& c) { c.lists[0].refresh = 1h; }},
    {"profiles", [](Config& c) { c.profiles[0].block.clear(); }},
    {"networks", [](Config& c) { c.networks[0].labels["school"] = "THCS B"; }},
    {"timezone", [](Config& c) { c.timezone = "UTC"; }},
    {"allow", [](Config& c) { c.allow.push_back("example.edu"); }},
    {"deny", [](Config& c) { c.deny.push_back("bad.example"); }},
    {"overrides", [](Config& c) { c.overrides.profiles.push_back({.profile = "kids", .allow = {"a.example"}}); }},
    {"blocked_answers", [](Config& c) { c.blocked_answers.push_back(*IpPrefix::parse("10.0.0.0/8")); }},
    {"proxy_protocol", [](Config& c) { c.proxy_protocol.push_back(*IpPrefix::parse("127.0.0.1")); }},
    {"rate_limit.qps", [](Config& c) { c.rate_limit.qps = 5; }},
    {"rate_limit.burst", [](Config& c) { c.rate_limit.burst = 5; }},
    {"rate_limit.ipv4_prefix", [](Config& c) { c.rate_limit.ipv4_prefix = 24; }},
    {"rate_limit.ipv6_prefix", [](Config& c) { c.rate_limit.ipv6_prefix = 64; }},
    {"rate_limit.action", [](Config& c) { c.rate_limit.action = RateLimitAction::truncate; }},
    {"upstream_limit.per_client", [](Config& c) { c.upstream_limit.per_client = 5; }},
    {"upstream_limit.total", [](Config& c) { c.upstream_limit.total = 5; }},
    {"cache.max_entries", [](Config& c) { c.cache.max_entries = 10; }},
    {"cache.min_ttl", [](Config& c) { c.cache.min_ttl = 5s; }},
    {"cache.max_ttl", [](Config& c) { c.cache.max_ttl = 60s; }},
    {"cache.negative_ttl", [](Config& c) { c.cache.negative_ttl = 60s; }},
    {"cache.serve_stale", [](Config& c) { c.cache.serve_stale = !c.cache.serve_stale; }},
    {"cache.stale_answer_ttl", [](Config& c) { c.cache.stale_answer_ttl = 5s; }},
    {"cache.stale_max_age", [](Config& c) { c.cache.stale_max_age = 5s; }},
    {"cache.prefetch", [](Config& c) { c.cache.prefetch = !c.cache.prefetch; }},
    {"admin.enabled", [](Config& c) { c.admin.enabled = !c.admin.enabled; }},
    {"admin.listen", [](Config& c) { c.admin.listen->port = 8054; }},
    {"admin.token", [](Config& c) { c.admin.token = "another-token-of-20ch"; }},
    {"blockpage.listen", [](Config& c) { c.blockpage.listen.reset(); }},
    {"stats.enabled", [](Config& c) { c.stats.enabled = !c.stats.enabled; }},
    {"stats.database", [](Config& c) { c.stats.database = "/tmp/stats.sqlite"; }},
    {"stats.retention_days", [](Config& c) { c.stats.retention_days = 30; }},
    {"stats.threshold", [](Config& c) { c.stats.threshold = 10; }},
    {"reports.periods", [](Config& c) { c.reports.periods.push_back(ReportPeriod::weekly); }},
    {"reports.directory", [](Config& c) { c.reports.directory = "/tmp/reports"; }},
    {"reports.formats", [](Config& c) { c.reports.formats.push_back("csv"); }},
    {"reports.languages", [](Config& c) { c.reports.languages.pop_back(); }},
    {"query_log.enabled", [](Config& c) { c.query_log.enabled = !c.query_log.enabled; }},
    {"query_log.database", [](Config& c) { c.query_log.database = "/tmp/q.sqlite"; }},
    {"query_log.retention_days", [](Config& c) { c.query_log.retention_days = 1; }},
    {"query_log.opt_out", [](Config& c) { c.query_log.opt_out.clear(); }},
    {"devices", [](Config& c) { c.devices.push_back({"tablet", {*parse_mac("02:00:00:00:00:0a")}, "", "kids", {}}); }},
    {"trusted_forwarders", [](Config& c) { c.trusted_forwarders.push_back(*IpPrefix::parse("127.0.0.1")); }},
    {"dhcp_leases", [](Config& c) { c.dhcp_leases = "/tmp/dhcp.leases"; }},
    {"services", [](Config& c) { c.services.push_back({"tiktok", "https://lists.example/t.txt", std::chrono::hours(1)}); }},
    {"tls", [](Config& c) { c.tls.certificate = "/etc/sprout/new.pem"; }},
    {"dot", [](Config& c) { c.dot.emplace_back(); }},
    {"doh", [](Config& c) { c.doh.emplace_back(); }},
    {"clients", [](Config& c) { c.clients.push_back({"phone-an", "kids", {}}); }},
};

std::vector<std::string> paths(const std::vector<KeyChange>& changes) {
  std::vector<std::string> out;
  for (const auto& c : changes) out.push_back(c.path);
  return out;
}

}  // namespace

TEST_CASE("every key has its reload kind", "[reload]") {
  for (const auto& [path, kind] : kExpectedKinds) {
    INFO(path);
    CHECK(reload_kind(path) == kind);
  }
}

TEST_CASE("exactly the socket and start-up file keys need a restart", "[reload]") {
  std::vector<std::string> restart;
  for (const auto& [path, kind] : kExpectedKinds) {
    if (kind == ReloadKind::restart) restart.push_back(path);
  }
  CHECK(restart == std::vector<std::string>{"listen", "workers", "state_dir", "admin.enabled", "admin.listen",
                                            "blockpage.listen", "dot", "doh"});
}

TEST_CASE("deeper paths and sections take their key's kind; unknown keys need a restart", "[reload]") {
  CHECK(reload_kind("profiles.kids.block") == ReloadKind::snapshot);
  CHECK(reload_kind("profiles.kids.schedules.school.windows[0]") == ReloadKind::snapshot);
  CHECK(reload_kind("upstreams[0].port") == ReloadKind::snapshot);
  CHECK(reload_kind("listen[1]") == ReloadKind::restart);
  CHECK(reload_kind("admin.listen.port") == ReloadKind::restart);
  CHECK(reload_kind("cache") == ReloadKind::snapshot);
  CHECK(reload_kind("query_log") == ReloadKind::snapshot);
  CHECK(reload_kind("rate_limit") == ReloadKind::snapshot);
  CHECK(reload_kind("upstream_limit") == ReloadKind::snapshot);
  CHECK(reload_kind("profiles.kids.rebinding_allow") == ReloadKind::snapshot);
  CHECK(reload_kind("admin") == ReloadKind::restart);  // mixed: enabled and listen need a restart
  CHECK(reload_kind("blockpage") == ReloadKind::restart);
  CHECK(reload_kind("allowed") == ReloadKind::restart);  // not "allow"
  CHECK(reload_kind("source") == ReloadKind::restart);   // not a key
  CHECK(reload_kind("no_such_key") == ReloadKind::restart);
  CHECK(reload_kind("") == ReloadKind::restart);
}

TEST_CASE("identical configs have no changes", "[reload]") {
  CHECK(changed_keys(must_load(kBase), must_load(kBase)).empty());
  CHECK(changed_keys(embedded_default(), embedded_default()).empty());
  CHECK(changed_keys(Config{}, Config{}).empty());
}

TEST_CASE("source is not a key", "[reload]") {
  Config a = must_load(kBase);
  Config b = a;
  b.source = "/etc/sprout/other.yaml";
  CHECK(changed_keys(a, b).empty());
}

TEST_CASE("each key's change is reported as that key alone, with its kind", "[reload]") {
  const Config base = must_load(kBase);
  for (const auto& [path, edit] : kOneKeyEdits) {
    INFO(path);
    Config next = base;
    edit(next);
    CHECK(changed_keys(base, next) == std::vector<KeyChange>{{path, reload_kind(path)}});
  }
}

TEST_CASE("the edits and the kinds above cover the same keys", "[reload]") {
  std::set<std::string> edited;
  std::set<std::string> kinds;
  for (const auto& e : kOneKeyEdits) edited.insert(e.first);
  for (const auto& k : kExpectedKinds) kinds.insert(k.first);
  CHECK(edited == kinds);
  CHECK(kinds.size() == kExpectedKinds.size());
}

TEST_CASE("nested changes inside a key are seen", "[reload]") {
  const Config base = must_load(kBase);
  Config next = base;
  next.profiles[0].schedules[0].windows[0].end = 600;
  next.profiles[0].safesearch.youtube = YoutubeMode::strict;
  next.networks[0].cidrs[0].bits = 96 + 16;  // was /24
  next.lists[0].format = ListFormat::hosts;
  next.upstreams[0].address = *IpAddress::parse("192.0.2.2");
  CHECK(paths(changed_keys(base, next)) == std::vector<std::string>{"upstreams", "lists", "profiles", "networks"});
}

TEST_CASE("a SIGHUP with a new YAML file: changes in config order, restart keys named", "[reload]") {
  const Config running = must_load(kBase);
  const Config next = must_load(R"(
listen: ["127.0.0.1:5354", "[::1]:5354"]
workers: 2
upstreams: [{address: 192.0.2.1, port: 5300}]
state_dir: /var/lib/sprout-test
timezone: Asia/Ho_Chi_Minh
categories: {adult: {}, games: {}}
lists:
  adult-list: {category: adult, source: /srv/lists/adult.txt}
profiles:
  kids:
    block: [adult, games]
    schedules:
      school: {windows: [{days: [mon-fri], from: "07:00", to: "11:30"}], block: [games]}
networks:
  home: {cidrs: [192.168.1.0/24], profile: kids, labels: {school: "THCS A"}}
admin: {listen: "127.0.0.1:9053", token: "0123456789abcdef0123"}
blockpage: {listen: "127.0.0.1:8080"}
cache: {max_entries: 500}
query_log: {enabled: true, opt_out: []}
)");
  const auto changes = changed_keys(running, next);
  CHECK(changes == std::vector<KeyChange>{{"listen", ReloadKind::restart},
                                          {"profiles", ReloadKind::snapshot},
                                          {"cache.max_entries", ReloadKind::snapshot},
                                          {"admin.listen", ReloadKind::restart},
                                          {"query_log.opt_out", ReloadKind::snapshot}});
  CHECK(restart_keys(changes) == std::vector<std::string>{"listen", "admin.listen"});
}

TEST_CASE("restart_keys keeps only restart changes, in order", "[reload]") {
  CHECK(restart_keys({}).empty());
  CHECK(restart_keys({{"lists", ReloadKind::snapshot}, {"upstreams", ReloadKind::snapshot}}).empty());
  CHECK(restart_keys({{"workers", ReloadKind::restart},
                      {"lists", ReloadKind::snapshot},
                      {"state_dir", ReloadKind::restart},
                      {"blockpage.listen", ReloadKind::restart}}) ==
        std::vector<std::string>{"workers", "state_dir", "blockpage.listen"});
}
