// Sprout configuration: the plain structs a YAML file is loaded into (no YAML types leak out).
// Members without a default value are value-initialised ({}), so that code and tests built
// with designated initializers name only what they set.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

namespace sprout::config {

// An IPv4 or IPv6 address; IPv4 is stored as an IPv4-mapped IPv6 address (::ffff:a.b.c.d)
// so one prefix-matching routine serves both families.
struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  bool v4 = false;
  bool operator==(const IpAddress&) const = default;
  [[nodiscard]] std::string to_string() const;
  static std::optional<IpAddress> parse(std::string_view text);  // "10.0.0.1", "::1", no brackets
  // From raw network-order bytes (sockets, PROXY headers, A/AAAA data). An IPv4-mapped
  // IPv6 address counts as IPv4: a dual-stack socket's IPv4 client is an IPv4 client.
  static IpAddress from_v4(const std::uint8_t* four) noexcept;
  static IpAddress from_v6(const std::uint8_t* sixteen) noexcept;
};

// A CIDR prefix. `bits` counts from the start of the 16-byte form, so 10.0.0.0/8 is stored
// with bits = 96 + 8.
struct IpPrefix {
  IpAddress address;
  std::uint8_t bits = 0;
  [[nodiscard]] bool contains(const IpAddress& a) const noexcept;
  [[nodiscard]] std::string to_string() const;                    // "10.0.0.0/8"
  static std::optional<IpPrefix> parse(std::string_view text);    // "10.0.0.0/8", "::1/128", "1.2.3.4"
  bool operator==(const IpPrefix&) const = default;
};

// A 48-bit hardware (MAC) address, as dnsmasq's --add-mac sends it and DHCP leases list it.
using MacAddress = std::array<std::uint8_t, 6>;
// "02:00:00:00:00:0a" or "02-00-00-00-00-0A" (case-insensitive). Never allocates.
std::optional<MacAddress> parse_mac(std::string_view text) noexcept;
// "02000000000a": twelve hex digits, no separators (odhcpd's state file). Never allocates.
std::optional<MacAddress> parse_mac_bare(std::string_view text) noexcept;
std::string mac_to_string(const MacAddress& mac);  // lowercase, colon-separated

struct Endpoint {  // listen: "127.0.0.1:5354", "[::1]:5354"
  IpAddress address;
  std::uint16_t port = 0;
  [[nodiscard]] std::string to_string() const;
  bool operator==(const Endpoint&) const = default;
};

// DNS over TLS to an upstream (RFC 7858): its certificate must name `server_name` and chain to
// `ca_file`, or to the system trust store when empty. No silent fallback to plain DNS.
struct UpstreamTls {
  std::string server_name;
  std::string ca_file;  // PEM; empty: the system trust store
  int max_connections = 4;  // per worker: another opens when every one has many queries in flight
  // A connection beyond the first closes after carrying no query this long (the load that
  // opened it has gone); the first stays open.
  std::chrono::milliseconds idle_timeout{10000};
  bool operator==(const UpstreamTls&) const = default;
};

struct Upstream {
  IpAddress address;
  std::uint16_t port = 53;                 // 853 with tls unless given
  std::chrono::milliseconds timeout{700};  // per try
  int tries = 2;                           // 1-10
  std::optional<UpstreamTls> tls;          // set: DoT instead of plain DNS
  bool operator==(const Upstream&) const = default;
};

struct TcpLimits {
  std::chrono::milliseconds idle_timeout{10000};
  int max_connections = 512;        // per worker
  int max_inflight_per_connection = 64;
};

enum class LogLevel { debug, info, warn, error };

struct Logging {
  LogLevel level = LogLevel::info;
};

enum class ListFormat { auto_detect, domains, hosts, adblock, rpz };

struct Category {
  std::string name;
  std::string description;
  bool operator==(const Category&) const = default;
};

enum class TsigAlgorithm { hmac_sha256, hmac_sha512 };

// A TSIG key (RFC 8945). The secret is read from `secret_file` when the config is loaded;
// a file other users may read is refused.
struct TsigKey {
  std::string name;                 // the key name, lowercase, without the final dot
  TsigAlgorithm algorithm = TsigAlgorithm::hmac_sha256;
  std::string secret_file;
  std::string secret;               // base64, as in the file
  bool operator==(const TsigKey&) const = default;
};

// A list followed by zone transfer (AXFR/IXFR) from RPZ primaries: `source: axfr://...`.
enum class OnExpire { keep, drop };

struct Transfer {
  std::string zone;                          // lowercase, without the final dot
  std::vector<Endpoint> primaries;           // tried in order; the source's primary first
  std::optional<TsigKey> tsig;               // signs requests, checks every response message
  std::optional<std::chrono::seconds> refresh;  // absent: the zone's SOA refresh
  std::optional<std::chrono::seconds> retry;    // absent: the zone's SOA retry
  std::optional<std::chrono::seconds> expire;   // absent: the zone's SOA expire
  std::chrono::seconds max_time{60};         // one transfer, connect to last message
  std::vector<IpPrefix> allow_notify;        // absent: the primaries' addresses
  // Past expire without a successful refresh: keep serving the last zone (stale) or drop it.
  OnExpire on_expire = OnExpire::keep;
  bool operator==(const Transfer&) const = default;
};

struct List {
  std::string name;
  std::string category;            // must name a category (checked at load)
  std::string source;              // a file path, or an http:// / https:// URL
  ListFormat format = ListFormat::auto_detect;
  bool allow = false;              // true: an allowlist (its entries override blocks)
  std::chrono::seconds refresh{86400};
  std::size_t max_bytes = 256u << 20;
  // URL lists: the bundled snapshot entry (e.g. "adult") that seeds the last-good copy until
  // the first download succeeds, so the list filters offline from the first query.
  std::string bundled;
  std::optional<Transfer> transfer;  // set for axfr:// sources (format is then rpz)
  bool operator==(const List&) const = default;
};

enum class BlockMode { nxdomain, null_ip, refused, blockpage };

// One weekly window: on each day in `days` from `start` to `end` (minutes after local
// midnight). end <= start means the window crosses midnight into the next day.
struct Window {
  std::uint8_t days = 0;         // bit 0 = Monday ... bit 6 = Sunday
  std::uint16_t start = 0;       // 0..1439
  std::uint16_t end = 0;         // 0..1440
  bool operator==(const Window&) const = default;
};

enum class ScheduleMode {
  add_categories,   // block `block` categories on top of the profile's (e.g. school hours)
  allowlist_only,   // only `allow` domains and `allow_categories` resolve (exam mode)
  block_all,        // everything blocked except `allow` domains (bedtime)
};

struct Schedule {
  std::string name{};
  std::vector<Window> windows{};
  ScheduleMode mode = ScheduleMode::add_categories;
  std::vector<std::string> block{};           // categories added while active
  std::vector<std::string> allow{};           // domains still resolving (allowlist_only, block_all)
  std::vector<std::string> allow_categories{};  // categories still resolving (allowlist_only)
  std::vector<std::string> services{};        // services blocked while active (add_categories)
  std::vector<std::string> allow_services{};  // services resolving while active, though the profile blocks them
  bool operator==(const Schedule&) const = default;
};

enum class YoutubeMode { off, moderate, strict };

struct SafeSearch {
  bool google = false;
  bool bing = false;
  bool duckduckgo = false;
  bool yandex = false;
  bool pixabay = false;
  YoutubeMode youtube = YoutubeMode::off;
  bool operator==(const SafeSearch&) const = default;
};

struct Profile {
  std::string name{};
  std::vector<std::string> block{};      // category names (checked at load)
  std::vector<std::string> allow{};      // domains always allowed (normalized lowercase, no trailing dot)
  std::vector<std::string> deny{};       // domains always blocked
  BlockMode block_mode = BlockMode::nxdomain;
  std::optional<IpAddress> blockpage_v4{};
  std::optional<IpAddress> blockpage_v6{};
  std::uint32_t block_ttl = 300;
  SafeSearch safesearch{};
  bool bypass_prevention = true;         // canary domains, Private Relay, DDR, `bypass` category
  // DNS rebinding: upstream A/AAAA answers into loopback, private, link-local, CGNAT or
  // unspecified ranges are blocked, except for names under rebinding_allow (and the built-in
  // local suffixes: localhost, local, home.arpa, internal, lan).
  bool rebinding_protection = true;
  std::vector<std::string> rebinding_allow{};  // domains (with subdomains), normalized
  std::string timezone{};                // IANA name; empty = Config::timezone
  std::vector<Schedule> schedules{};
  std::vector<std::string> services{};   // blocked services (catalogue names, checked at load)
  bool operator==(const Profile&) const = default;
};

struct Network {
  std::string name{};
  std::vector<IpPrefix> cidrs{};
  std::string profile{};                 // must name a profile (checked at load)
  std::map<std::string, std::string> labels{};
  bool operator==(const Network&) const = default;
};

// A device behind a home router, known by its MAC (or the router's CPE id): its own profile.
struct Device {
  std::string name{};
  std::vector<MacAddress> macs{};
  std::string cpe_id{};                  // dnsmasq --add-cpe-id; empty: none
  std::string profile{};                 // must name a profile (checked at load)
  std::map<std::string, std::string> labels{};
  bool operator==(const Device&) const = default;
};

// A service of the catalogue overridden (another source) or added (a new name): a list whose
// category is the service. Every service a profile names gets one, from the catalogue by default.
struct Service {
  std::string name;
  std::string source;                    // file, http(s) URL, or builtin:service-NAME
  std::chrono::seconds refresh{86400};
  bool operator==(const Service&) const = default;
};

struct Cache {
  std::size_t max_entries = 100000;      // 0 disables the cache
  std::chrono::seconds min_ttl{0};
  std::chrono::seconds max_ttl{86400};
  std::chrono::seconds negative_ttl{3600};  // cap for NXDOMAIN/NODATA (RFC 2308)
  bool serve_stale = true;               // RFC 8767
  std::chrono::seconds stale_answer_ttl{30};
  std::chrono::seconds stale_max_age{86400};
  bool prefetch = true;                  // refresh popular entries shortly before expiry
  bool operator==(const Cache&) const = default;
};

enum class RateLimitAction { refuse, truncate };

// Per-client token buckets, per worker. A client is its address cut to ipv4_prefix /
// ipv6_prefix bits (after PROXY v2); the same key counts its outstanding upstream queries.
struct RateLimit {
  std::uint32_t qps = 100;               // tokens per second; 0 = off
  std::uint32_t burst = 200;             // bucket size
  std::uint8_t ipv4_prefix = 32;
  std::uint8_t ipv6_prefix = 56;
  RateLimitAction action = RateLimitAction::refuse;
  bool operator==(const RateLimit&) const = default;
};

// The largest upstream_limit.total: each worker counts per-client queries in a fixed table
// twice this size, so it stays at most half full.
inline constexpr std::uint32_t kMaxUpstreamTotal = 2048;

// Queries waiting for upstream, per worker; beyond a limit: serve-stale, else SERVFAIL.
struct UpstreamLimit {
  std::uint32_t per_client = 100;        // 0 = no per-client limit
  std::uint32_t total = 1000;            // 0 = no total limit
  bool operator==(const UpstreamLimit&) const = default;
};

struct Admin {
  bool enabled = true;
  std::optional<Endpoint> listen;        // default 127.0.0.1:8053 (never a public address by default)
  std::string token;                     // empty: reload, explain and reports are refused (403)
};

struct BlockPage {
  std::optional<Endpoint> listen;        // absent: no block page server
};

enum class ReportPeriod { daily, weekly, monthly };

struct Reports {
  std::vector<ReportPeriod> periods;     // empty: no periodic reports
  std::string directory;                 // default <state_dir>/reports
  std::vector<std::string> formats{"html"};  // html, csv, json
  std::vector<std::string> languages{"vi", "en"};
};

enum class StatsBackend { sqlite, postgresql };

// Central statistics (stats.backend: postgresql): one database for every instance.
struct PostgresStats {
  std::string conninfo;                  // libpq connection string, or
  std::string conninfo_file;             // a file holding it (kept out of the config: it has a password)
  std::string spool;                     // default <state_dir>/stats-spool.sqlite
  int spool_max = 10080;                 // batches (minutes) kept while PostgreSQL is away; oldest dropped
  std::string report_role = "sprout_report";  // read-only role granted SELECT on the tables
  bool operator==(const PostgresStats&) const = default;
};

struct Stats {
  bool enabled = true;
  StatsBackend backend = StatsBackend::sqlite;
  std::string database;                  // default <state_dir>/stats.sqlite
  int retention_days = 90;
  int threshold = 5;                     // counts below are shown as "<5" in reports
  PostgresStats postgresql;
};

// Who this instance is in a fleet: its name in the central store and its place (labels).
struct Instance {
  std::string name;                      // default: the host name
  std::map<std::string, std::string> labels;  // province, district, ...: report scopes
  bool operator==(const Instance&) const = default;
};

struct QueryLog {
  bool enabled = false;                  // off by default: aggregates, not browsing histories
  std::string database;                  // default <state_dir>/querylog.sqlite
  int retention_days = 7;
  std::vector<std::string> opt_out;      // network names never logged
};

// Encrypted DNS: the certificate DoT and DoH present, and the name client IDs sit under.
struct Tls {
  std::string certificate;               // PEM chain (leaf first), resolved path; re-read on SIGHUP
  std::string key;                       // PEM private key
  std::string server_name;               // "dns.example.vn": SNI "<id>.dns.example.vn" names client <id>
  bool operator==(const Tls&) const = default;
};

// What a DoT/DoH listener does with a client ID no `clients:` entry names (or none at all).
enum class UnknownClients { default_profile, refuse };

// One DoT (RFC 7858) or DoH (RFC 8484) listener. Limits are per worker.
struct EncryptedListener {
  Endpoint endpoint{};                   // port 853 (DoT) / 443 (DoH) unless given; 0 = a free one
  std::string profile = "default";       // for unknown client IDs (must name a profile)
  UnknownClients unknown_clients = UnknownClients::default_profile;
  int max_connections = 512;
  int max_handshakes = 64;               // TLS handshakes in progress
  std::chrono::milliseconds handshake_timeout{5000};
  std::chrono::milliseconds idle_timeout{30000};
  // DoH only: HTTP/1.1 without TLS, for a reverse proxy in front that terminates TLS. The client
  // is then the X-Forwarded-For address when the TCP peer is in trusted_proxies.
  bool plain_http = false;
  std::vector<IpPrefix> trusted_proxies{};
  bool operator==(const EncryptedListener&) const = default;
};

// A client ID (the first SNI label under tls.server_name, or /dns-query/<id>): its profile and
// report labels. It counts in reports like a network, under the same privacy rules.
struct Client {
  std::string id{};                      // a lowercase DNS label: a-z, 0-9, '-', 1-63 characters
  std::string profile{};                 // must name a profile (checked at load)
  std::map<std::string, std::string> labels{};
  bool operator==(const Client&) const = default;
};

// The dashboard's changes (state_dir/overrides.json), layered on the YAML at every snapshot
// build: the admin's commented YAML file is never rewritten.
struct ScheduleOverride {
  std::string schedule;
  bool active = false;     // true: kept active (extend), false: kept inactive (skip)
  std::int64_t until = 0;  // unix seconds; past it the override no longer counts
  bool operator==(const ScheduleOverride&) const = default;
};

struct ProfileOverride {
  std::string profile{};
  std::vector<std::string> allow{};           // domains allowed (with subdomains)
  std::vector<std::string> deny{};            // domains blocked
  std::map<std::string, bool> categories{};   // category -> blocked (true) or not (false)
  std::vector<ScheduleOverride> schedules{};
  bool operator==(const ProfileOverride&) const = default;
};

struct Overrides {
  std::string source;                         // the file, for messages
  std::vector<ProfileOverride> profiles;
  [[nodiscard]] const ProfileOverride* of(std::string_view profile) const noexcept {
    for (const auto& p : profiles) {
      if (p.profile == profile) return &p;
    }
    return nullptr;
  }
  bool operator==(const Overrides&) const = default;
};

struct Config {
  // Each key also needs a row in reload_kind.cpp: whether SIGHUP applies it or a restart does.
  std::string source;                    // file name it came from, or "<embedded default>"
  std::vector<Endpoint> listen;
  int workers = 0;                       // 0 = one per core
  std::vector<Upstream> upstreams;       // empty in YAML = take them from /etc/resolv.conf
  TcpLimits tcp;
  Logging logging;
  std::string state_dir = "/var/lib/sprout";  // last-good list copies
  std::vector<Category> categories;
  std::vector<List> lists;
  std::vector<Profile> profiles;         // always contains "default" after load
  std::vector<Network> networks;         // the only sources allowed to query
  std::string timezone = "UTC";          // IANA name used by schedules
  std::vector<std::string> allow;        // global allow overrides (every profile)
  std::vector<std::string> deny;         // global deny overrides
  Overrides overrides;                   // state_dir/overrides.json (not YAML): the dashboard's changes
  std::vector<IpPrefix> blocked_answers; // A/AAAA answers pointing into these are blocked
  std::vector<IpPrefix> proxy_protocol;  // front ends trusted to send PROXY v2 headers
  RateLimit rate_limit;
  UpstreamLimit upstream_limit;
  Cache cache;
  Admin admin;
  BlockPage blockpage;
  Instance instance;
  Stats stats;
  Reports reports;
  QueryLog query_log;
  std::vector<Device> devices;           // most specific identity: a device's profile beats its network's
  std::vector<IpPrefix> trusted_forwarders;  // routers whose MAC / CPE id / ECS options are believed
  std::string dhcp_leases;               // dnsmasq leases file (address -> MAC); empty: none
  std::vector<Service> services;         // catalogue overrides and additions (`services:`)
  Tls tls;                               // required by dot/doh
  std::vector<EncryptedListener> dot;    // DNS over TLS listeners
  std::vector<EncryptedListener> doh;    // DNS over HTTPS listeners
  std::vector<Client> clients;           // client IDs of DoT/DoH clients
};

// A certificate is needed by every DoT listener and every DoH listener but a plain-HTTP one.
[[nodiscard]] bool needs_certificate(const Config& c) noexcept;

}  // namespace sprout::config
