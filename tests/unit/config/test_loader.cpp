// Loading valid configs: every field into the structs, defaults, path resolution, resolv.conf.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "must_load.hpp"
#include "sprout/config/loader.hpp"

namespace fs = std::filesystem;
using namespace sprout::config;
using namespace std::chrono_literals;

namespace {

constexpr const char* kFull = R"(
listen: ["127.0.0.1:5354", "[::1]:0"]
workers: 2
upstreams:
  - address: 192.0.2.1
    port: 5300
    timeout: 1500ms
    tries: 3
  - address: "2001:db8::53"
tcp:
  idle_timeout: 2m
  max_connections: 100
  max_inflight_per_connection: 8
logging:
  level: warn
state_dir: /var/lib/sprout-test/
categories:
  gambling: {description: "Betting and casinos"}
  adult: {}
lists:
  ut1-gambling:
    category: gambling
    source: /srv/lists/gambling.txt
    format: hosts
    allow: true
    refresh: 12h
    max_size: 10MiB
  remote:
    category: adult
    source: https://example.org/adult.txt
profiles:
  kids:
    block: [adult, gambling]
    allow: [Example.EDU.]
    deny: [tiktok.com]
    block_mode: blockpage
    blockpage: {ipv4: 192.0.2.10, ipv6: "2001:db8::10"}
    block_ttl: 60
networks:
  home:
    cidrs: [192.168.1.0/24, "2001:db8:1::/48"]
    profile: kids
    labels: {province: Hanoi, school: "THCS A"}
  guests:
    cidrs: [10.9.0.0/16]
)";


const Profile* profile(const Config& c, std::string_view name) {
  for (const auto& p : c.profiles)
    if (p.name == name) return &p;
  return nullptr;
}

// A fresh directory under the temp dir, removed at scope exit.
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("sprout-cfg-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return path / name;
  }
};

}  // namespace

TEST_CASE("a full config round-trips into the structs") {
  Config c = must_load(kFull);
  CHECK(c.source == "test.yaml");
  REQUIRE(c.listen.size() == 2);
  CHECK(c.listen[0].to_string() == "127.0.0.1:5354");
  CHECK(c.listen[1].to_string() == "[::1]:0");
  CHECK(c.workers == 2);
  REQUIRE(c.upstreams.size() == 2);
  CHECK(c.upstreams[0].address.to_string() == "192.0.2.1");
  CHECK(c.upstreams[0].port == 5300);
  CHECK(c.upstreams[0].timeout == 1500ms);
  CHECK(c.upstreams[0].tries == 3);
  CHECK(c.upstreams[1].port == 53);
  CHECK(c.upstreams[1].timeout == 700ms);
  CHECK(c.upstreams[1].tries == 2);
  CHECK(c.tcp.idle_timeout == 120s);
  CHECK(c.tcp.max_connections == 100);
  CHECK(c.tcp.max_inflight_per_connection == 8);
  CHECK(c.logging.level == LogLevel::warn);
  CHECK(c.state_dir == "/var/lib/sprout-test/");
  REQUIRE(c.categories.size() == 2);
  CHECK(c.categories[0].name == "gambling");
  CHECK(c.categories[0].description == "Betting and casinos");
  CHECK(c.categories[1].description.empty());
  REQUIRE(c.lists.size() == 2);
  CHECK(c.lists[0].name == "ut1-gambling");
  CHECK(c.lists[0].category == "gambling");
  CHECK(c.lists[0].source == "/srv/lists/gambling.txt");
  CHECK(c.lists[0].format == ListFormat::hosts);
  CHECK(c.lists[0].allow);
  CHECK(c.lists[0].refresh == std::chrono::hours(12));
  CHECK(c.lists[0].max_bytes == 10u << 20);
  CHECK(c.lists[1].source == "https://example.org/adult.txt");
  CHECK(c.lists[1].format == ListFormat::auto_detect);
  CHECK(c.lists[1].refresh == std::chrono::hours(24));
  const Profile* kids = profile(c, "kids");
  REQUIRE(kids);
  CHECK(kids->block == std::vector<std::string>{"adult", "gambling"});
  CHECK(kids->allow == std::vector<std::string>{"example.edu"});
  CHECK(kids->deny == std::vector<std::string>{"tiktok.com"});
  CHECK(kids->block_mode == BlockMode::blockpage);
  CHECK(kids->blockpage_v4->to_string() == "192.0.2.10");
  CHECK(kids->blockpage_v6->to_string() == "2001:db8::10");
  CHECK(kids->block_ttl == 60);
  REQUIRE(profile(c, "default"));
  CHECK(profile(c, "default")->block.empty());
  REQUIRE(c.networks.size() == 2);
  CHECK(c.networks[0].cidrs[1].to_string() == "2001:db8:1::/48");
  CHECK(c.networks[0].profile == "kids");
  CHECK(c.networks[0].labels.at("school") == "THCS A");
  CHECK(c.networks[1].profile == "default");
}

TEST_CASE("an empty document is valid and gives every default") {
  for (const char* text : {"", "# only a comment\n", "---\n"}) {
    Config c = must_load(text);
    REQUIRE(c.listen.size() == 2);
    CHECK(c.listen[0].to_string() == "127.0.0.1:5354");
    CHECK(c.listen[1].to_string() == "[::1]:5354");
    CHECK(c.workers == 0);
    CHECK(c.upstreams.empty());
    CHECK(c.tcp.idle_timeout == 10s);
    CHECK(c.state_dir == "/var/lib/sprout");
    REQUIRE(c.profiles.size() == 1);
    CHECK(c.profiles[0].name == "default");
    REQUIRE(c.networks.size() == 1);
    CHECK(c.networks[0].profile == "default");
    CHECK(c.networks[0].cidrs.size() == 8);
    auto allowed = [&](const char* a) {
      for (const auto& p : c.networks[0].cidrs)
        if (p.contains(*IpAddress::parse(a))) return true;
      return false;
    };
    CHECK(allowed("127.0.0.1"));
    CHECK(allowed("192.168.3.4"));
    CHECK(allowed("100.64.0.1"));
    CHECK(allowed("fd00::1"));
    CHECK_FALSE(allowed("8.8.8.8"));
    CHECK_FALSE(allowed("2001:4860::8888"));
  }
}

TEST_CASE("a user-defined default profile is kept, not duplicated") {
  Config c = must_load("categories: {adult: {}}\nprofiles: {default: {block: [adult]}}\n");
  REQUIRE(c.profiles.size() == 1);
  CHECK(c.profiles[0].block == std::vector<std::string>{"adult"});
}

TEST_CASE("relative paths resolve against the config file's directory") {
  TempDir dir;
  fs::create_directories(dir.path / "etc");
  auto file = dir.write("etc/sprout.yaml",
                        "state_dir: state\ncategories: {adult: {}}\n"
                        "lists: {a: {category: adult, source: ../lists/adult.txt}}\n");
  auto r = load_file(file.string());
  REQUIRE(r.config);
  CHECK(r.config->source == file.string());
  CHECK(r.config->state_dir == (dir.path / "etc/state").string());
  CHECK(r.config->lists[0].source == (dir.path / "lists/adult.txt").string());
}

TEST_CASE("load_string resolves relative paths against the current directory") {
  Config c = must_load("state_dir: here/state\n");
  CHECK(c.state_dir == (fs::current_path() / "here/state").string());
}

TEST_CASE("a missing file is one located error") {
  auto r = load_file("/nonexistent/sprout.yaml");
  CHECK_FALSE(r.config);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() == "/nonexistent/sprout.yaml: cannot read: No such file or directory");
}

TEST_CASE("load_file reports errors with the file's path") {
  TempDir dir;
  auto file = dir.write("bad.yaml", "workers: many\n");
  auto r = load_file(file.string());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() == file.string() + ":1:10: workers: 'many' is not an integer (expected 0-256)");
}

TEST_CASE("resolv.conf: IPv4 and IPv6 nameservers, the rest skipped") {
  TempDir dir;
  auto file = dir.write("resolv.conf",
                        "# generated\nsearch example.org\nnameserver 10.0.0.1\n"
                        "nameserver   ::1  # local\nnameserver fe80::1%eth0\nnameserver dns.example\n"
                        "nameserver\noptions edns0\n;nameserver 10.9.9.9\n");
  auto ups = upstreams_from_resolv_conf(file.string());
  REQUIRE(ups.size() == 2);
  CHECK(ups[0].address.to_string() == "10.0.0.1");
  CHECK(ups[0].port == 53);
  CHECK(ups[1].address.to_string() == "::1");
  CHECK(upstreams_from_resolv_conf((dir.path / "missing").string()).empty());
}

TEST_CASE("embedded default") {
  Config c = embedded_default();
  CHECK(c.source == "<embedded default>");
  REQUIRE(c.listen.size() == 2);
  CHECK(c.listen[1].to_string() == "[::1]:5354");
  REQUIRE(c.profiles.size() == 1);
  CHECK(c.profiles[0].name == "default");
  CHECK(c.profiles[0].block.size() == 5);                 // filters something real out of the box
  CHECK(c.profiles[0].safesearch.google);
  REQUIRE_FALSE(c.lists.empty());
  CHECK(c.lists[0].source == "builtin:bypass");            // works offline
  for (const auto& l : c.lists) {                          // and so do the URL lists: each
    if (l.source.starts_with("https://")) CHECK_FALSE(l.bundled.empty());  // has a bundled seed
  }
  CHECK_FALSE(c.state_dir.empty());
  REQUIRE(c.networks.size() == 1);
  CHECK(c.networks[0].cidrs[0].to_string() == "127.0.0.0/8");
  CHECK(c.upstreams.size() == upstreams_from_resolv_conf().size());
}

TEST_CASE("ConfigError::to_string omits an empty path") {
  ConfigError e{"f.yaml", 22, 1, "", "unknown top-level key 'upstream' (did you mean 'upstreams'?)"};
  CHECK(e.to_string() == "f.yaml:22:1: unknown top-level key 'upstream' (did you mean 'upstreams'?)");
  e.path = "listen[0]";
  CHECK(e.to_string() == "f.yaml:22:1: listen[0]: unknown top-level key 'upstream' (did you mean 'upstreams'?)");
}

TEST_CASE("instance and the central stats store: defaults and every key") {
  char host[256] = {};
  REQUIRE(::gethostname(host, sizeof host - 1) == 0);
  const Config d = must_load("{}");
  CHECK(d.instance.name == std::string(host).substr(0, 63));  // default: the host name
  CHECK(d.instance.labels.empty());
  CHECK(d.stats.backend == StatsBackend::sqlite);
  const Config c = must_load(R"(
instance: {name: daklak-krongpac, labels: {province: Dak Lak, district: Krong Pac}}
stats:
  backend: postgresql
  postgresql: {conninfo: "host=127.0.0.1 dbname=sprout", spool: /var/spool/sprout.sqlite, spool_max: 60, report_role: province_readers}
)");
  CHECK(c.instance.name == "daklak-krongpac");
  CHECK(c.instance.labels.at("district") == "Krong Pac");
  CHECK(c.stats.backend == StatsBackend::postgresql);
  CHECK(c.stats.postgresql.conninfo == "host=127.0.0.1 dbname=sprout");
  CHECK(c.stats.postgresql.spool == "/var/spool/sprout.sqlite");
  CHECK(c.stats.postgresql.spool_max == 60);
  CHECK(c.stats.postgresql.report_role == "province_readers");
}
