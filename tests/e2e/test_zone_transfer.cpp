// End-to-end: sproutdns follows an RPZ zone from a real knotd primary on loopback by zone
// transfer with TSIG: initial AXFR blocks its names, a change + NOTIFY is served by IXFR,
// a wrong key is rejected, and the last good zone serves after a restart without the primary.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <optional>
#include <thread>

#include "resolver_fixture.hpp"
#include "rpz_primary.hpp"

using namespace sprout::e2e;
namespace fs = std::filesystem;

namespace {

bool have_knot() { return std::system("command -v knotd >/dev/null 2>&1 && command -v knotc >/dev/null 2>&1") == 0; }

std::string transfer_config(std::uint16_t upstream, const fs::path& dir, std::uint16_t primary, const std::string& secret,
                            const std::string& refresh = "1h") {
  write_file(dir / "tsig.key", std::string(secret) + "\n");
  ::chmod((dir / "tsig.key").c_str(), 0600);
  return "listen: [\"127.0.0.1:0\"]\nworkers: 1\n"
         "upstreams: [{address: 127.0.0.1, port: " + std::to_string(upstream) + ", timeout: 500ms, tries: 1}]\n"
         "state_dir: " + (dir / "state").string() + "\n"
         "categories: {province: {}}\n"
         "lists:\n  province-rpz:\n    category: province\n"
         "    source: axfr://127.0.0.1:" + std::to_string(primary) + "/rpz.test\n"
         "    transfer:\n      tsig: {name: sprout-key, algorithm: hmac-sha256, secret_file: " + (dir / "tsig.key").string() + "}\n"
         "      refresh: " + refresh + "\n      retry: 1s\n"
         "profiles: {default: {block: [province]}}\n"
         "networks: {lo: {cidrs: [127.0.0.1/32], profile: default}}\n";
}

bool blocked(std::uint16_t port, const std::string& name) {
  return parse_dig_output(dig(port, name + " A").output).status == "NXDOMAIN";
}

}  // namespace

TEST_CASE("knotd primary: AXFR with TSIG blocks the zone's names; a change + NOTIFY is served by IXFR", "[resolver][transfer]") {
  SPROUT_REQUIRE_RESOLVER();
  REQUIRE(have_knot());  // packaging/install-deps.sh installs knot
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  const std::uint16_t sprout_port = sprout::e2e::free_tcp_port();  // knotd NOTIFYs here
  sprout::test::RpzPrimary knot("rpz.test", sprout_port);
  knot.write_zone(1, {"adult.example", "*.casino.example"});
  REQUIRE(knot.start());
  std::string cfg = transfer_config(upstream.port(), dir.path(), knot.port(), sprout::test::RpzPrimary::kSecret);
  cfg.replace(cfg.find("127.0.0.1:0"), 11, "127.0.0.1:" + std::to_string(sprout_port));
  Resolver r(dir.path(), cfg);

  REQUIRE(wait_until([&] { return blocked(r.udp_port(), "adult.example"); }, std::chrono::seconds(5)));
  CHECK(blocked(r.udp_port(), "www.casino.example"));
  CHECK_FALSE(blocked(r.udp_port(), "new.example"));
  CHECK(fs::exists(dir / "state/lists/province-rpz.rpz"));

  // A new serial; knotd computes the difference (IXFR) and NOTIFYs sproutdns.
  knot.write_zone(2, {"adult.example", "*.casino.example", "new.example"});
  const auto changed = std::chrono::steady_clock::now();
  REQUIRE(knot.reload());
  INFO(r.process().stderr_text());
  REQUIRE(wait_until([&] { return blocked(r.udp_port(), "new.example"); }, std::chrono::seconds(5)));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - changed).count();
  WARN("zone change (knotc zone-reload) to served: " << ms << " ms");
  CHECK(ms < 1000);  // the refresh is 1 h: only the NOTIFY explains this
  CHECK(r.process().stderr_text().find("by IXFR") != std::string::npos);
  // The IXFR patched the served list's index (no re-read of the zone).
  CHECK(r.process().stderr_text().find("index patched") != std::string::npos);

  // Deletions by IXFR: the wildcard goes, a name stays.
  knot.write_zone(3, {"adult.example", "new.example"});
  REQUIRE(knot.reload());
  REQUIRE(wait_until([&] { return !blocked(r.udp_port(), "www.casino.example"); }, std::chrono::seconds(5)));
  CHECK(blocked(r.udp_port(), "new.example"));
  CHECK(blocked(r.udp_port(), "adult.example"));
  CHECK(r.process().stderr_text().find("serial 3 by IXFR") != std::string::npos);
}

TEST_CASE("knotd primary: a wrong TSIG key is rejected and nothing is served from it", "[resolver][transfer]") {
  SPROUT_REQUIRE_RESOLVER();
  REQUIRE(have_knot());
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  sprout::test::RpzPrimary knot("rpz.test");
  knot.write_zone(1, {"adult.example"});
  REQUIRE(knot.start());
  Resolver r(dir.path(), transfer_config(upstream.port(), dir.path(), knot.port(), "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXkhIQ=="));
  const bool failed = wait_until(
      [&] { return r.process().stderr_text().find("transfer of rpz.test failed") != std::string::npos; },
      std::chrono::seconds(5));
  INFO(r.process().stderr_text());
  REQUIRE(failed);
  CHECK(r.process().stderr_text().find("NOTAUTH") != std::string::npos);
  CHECK_FALSE(blocked(r.udp_port(), "adult.example"));
  CHECK_FALSE(fs::exists(dir / "state/lists/province-rpz.rpz"));
}

TEST_CASE("the last good zone serves after a restart without the primary", "[resolver][transfer]") {
  SPROUT_REQUIRE_RESOLVER();
  REQUIRE(have_knot());
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  sprout::test::RpzPrimary knot("rpz.test");
  knot.write_zone(5, {"adult.example"});
  REQUIRE(knot.start());
  const std::string cfg = transfer_config(upstream.port(), dir.path(), knot.port(), sprout::test::RpzPrimary::kSecret);
  {
    Resolver r(dir.path(), cfg);
    REQUIRE(wait_until([&] { return blocked(r.udp_port(), "adult.example"); }, std::chrono::seconds(5)));
  }
  knot.stop();
  Resolver again(dir.path(), cfg);
  CHECK(blocked(again.udp_port(), "adult.example"));  // from the first query: the stored zone
  REQUIRE(wait_until([&] { return again.process().stderr_text().find("transfer of rpz.test failed") != std::string::npos; },
                     std::chrono::seconds(5)));
  CHECK(again.process().stderr_text().find("serving the last good zone (serial 5)") != std::string::npos);
  CHECK(blocked(again.udp_port(), "adult.example"));
}

TEST_CASE("an IXFR is journalled beside the copy; a torn journal tail or a damaged copy after a restart is said and survived", "[resolver][transfer]") {
  SPROUT_REQUIRE_RESOLVER();
  REQUIRE(have_knot());
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  const std::uint16_t sprout_port = sprout::e2e::free_tcp_port();
  sprout::test::RpzPrimary knot("rpz.test", sprout_port);
  knot.write_zone(1, {"adult.example"});
  REQUIRE(knot.start());
  std::string cfg = transfer_config(upstream.port(), dir.path(), knot.port(), sprout::test::RpzPrimary::kSecret);
  cfg.replace(cfg.find("127.0.0.1:0"), 11, "127.0.0.1:" + std::to_string(sprout_port));
  const fs::path copy = dir / "state/lists/province-rpz.rpz";
  const fs::path journal = copy.string() + ".journal";
  {
    Resolver r(dir.path(), cfg);
    REQUIRE(wait_until([&] { return blocked(r.udp_port(), "adult.example"); }, std::chrono::seconds(5)));
    knot.write_zone(2, {"adult.example", "new.example"});
    REQUIRE(knot.reload());
    REQUIRE(wait_until([&] { return blocked(r.udp_port(), "new.example"); }, std::chrono::seconds(5)));
    INFO(r.process().stderr_text());
    CHECK(r.process().stderr_text().find("serial 2 by IXFR") != std::string::npos);
    CHECK(r.process().stderr_text().find("journalled in") != std::string::npos);
  }
  REQUIRE(fs::exists(journal));
  const auto whole = fs::file_size(journal);
  std::ofstream(journal, std::ios::binary | std::ios::app) << std::string("\x40\x00\x00\x00torn", 8);  // an append cut short
  {
    Resolver r(dir.path(), cfg);
    CHECK(blocked(r.udp_port(), "new.example"));  // the whole entry before the tail was replayed
    CHECK(blocked(r.udp_port(), "adult.example"));
    REQUIRE(wait_until([&] { return r.process().stderr_text().find("a torn journal tail in ") != std::string::npos; },
                       std::chrono::seconds(5)));
    INFO(r.process().stderr_text());
    CHECK(r.process().stderr_text().find("ignored (serving serial 2)") != std::string::npos);
    // The zone was stored whole at once, so no later entry follows the torn bytes.
    REQUIRE(wait_until([&] { return !fs::exists(journal); }, std::chrono::seconds(5)));
  }
  CHECK(whole > 0);
  {
    std::fstream f(copy, std::ios::in | std::ios::out | std::ios::binary);
    const auto middle = static_cast<std::streamoff>(fs::file_size(copy) / 2);
    f.seekg(middle);
    const char was = static_cast<char>(f.get());
    f.seekp(middle);
    f.put(static_cast<char>(was ^ 0x40));  // one bit of one record
  }
  Resolver r(dir.path(), cfg);
  REQUIRE(wait_until([&] { return r.process().stderr_text().find("not used: stored copy damaged; transferring the zone again") != std::string::npos; },
                     std::chrono::seconds(5)));
  INFO(r.process().stderr_text());
  REQUIRE(wait_until([&] { return blocked(r.udp_port(), "new.example"); }, std::chrono::seconds(5)));
  CHECK(r.process().stderr_text().find("serial 2 by AXFR") != std::string::npos);
}

TEST_CASE("nsd primary: AXFR with TSIG, then a change + NOTIFY answered with the whole zone; wrong key rejected", "[resolver][transfer]") {
  SPROUT_REQUIRE_RESOLVER();
  REQUIRE(std::system("command -v nsd >/dev/null 2>&1") == 0);  // packaging/install-deps.sh installs nsd
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  const std::uint16_t sprout_port = sprout::e2e::free_tcp_port();
  sprout::test::RpzPrimary nsd("rpz.test", sprout_port, sprout::test::PrimaryKind::nsd);
  nsd.write_zone(10, {"adult.example", "*.casino.example"});
  REQUIRE(nsd.start());
  std::string cfg = transfer_config(upstream.port(), dir.path(), nsd.port(), sprout::test::RpzPrimary::kSecret);
  cfg.replace(cfg.find("127.0.0.1:0"), 11, "127.0.0.1:" + std::to_string(sprout_port));
  Resolver r(dir.path(), cfg);
  INFO(r.process().stderr_text());
  REQUIRE(wait_until([&] { return blocked(r.udp_port(), "adult.example"); }, std::chrono::seconds(5)));
  CHECK(blocked(r.udp_port(), "x.casino.example"));
  CHECK_FALSE(blocked(r.udp_port(), "new.example"));

  nsd.write_zone(11, {"adult.example", "*.casino.example", "new.example"});
  REQUIRE(nsd.reload());
  REQUIRE(wait_until([&] { return blocked(r.udp_port(), "new.example"); }, std::chrono::seconds(5)));
  const std::string log = r.process().stderr_text();
  CHECK(log.find("NOTIFY for rpz.test: checking the zone now") != std::string::npos);
  CHECK(log.find("serial 11 by AXFR") != std::string::npos);  // nsd 4.6 answers IXFR with the zone

  TempDir other;
  Resolver wrong(other.path(), transfer_config(upstream.port(), other.path(), nsd.port(), "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXkhIQ=="));
  REQUIRE(wait_until([&] { return wrong.process().stderr_text().find("transfer of rpz.test failed") != std::string::npos; },
                     std::chrono::seconds(5)));
  CHECK_FALSE(blocked(wrong.udp_port(), "adult.example"));
}

TEST_CASE("sproutdns lists: when the zone expires; --fetch transfers each zone once and says what came", "[resolver][transfer]") {
  SPROUT_REQUIRE_RESOLVER();
  REQUIRE(have_knot());
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  sprout::test::RpzPrimary knot("rpz.test");
  knot.write_zone(5, {"adult.example", "*.casino.example"});
  REQUIRE(knot.start());
  const std::string cfg = transfer_config(upstream.port(), dir.path(), knot.port(), sprout::test::RpzPrimary::kSecret);
  {
    Resolver r(dir.path(), cfg);
    REQUIRE(wait_until([&] { return blocked(r.udp_port(), "adult.example"); }, std::chrono::seconds(5)));
  }
  const std::string lists = sproutdns_path() + " lists --config " + (dir / "sprout.yaml").string();
  const auto shown = run_command(lists);
  INFO(shown.output);
  CHECK(shown.exit_code == 0);
  CHECK(shown.output.find("    zone expires at ") != std::string::npos);  // the SOA's 86400 s from the transfer
  const auto same = run_command(lists + " --fetch");
  INFO(same.output);
  CHECK(same.output.find("province-rpz: zone rpz.test up to date at serial 5") != std::string::npos);
  knot.write_zone(6, {"adult.example", "*.casino.example", "new.example"});
  REQUIRE(knot.reload());
  const auto newer = run_command(lists + " --fetch");
  INFO(newer.output);
  CHECK(newer.output.find("province-rpz: zone rpz.test serial 6 by IXFR: 4 records") != std::string::npos);  // and the NS
  knot.stop();
  const auto down = run_command(lists + " --fetch");
  CHECK(down.output.find("province-rpz: transfer of rpz.test failed: ") != std::string::npos);
  CHECK(down.output.find("adult") == std::string::npos);  // the table: counts, not names
}

namespace {

// In-process, no dig process per poll: the bench times tens of milliseconds.
bool blocked_now(std::uint16_t port, const std::string& name) {
  const auto wire = udp_exchange_raw(sprout::test::build_query(0x4242, name, 1), port, std::chrono::milliseconds(1000));
  return wire && wire->size() >= 4 && ((*wire)[3] & 0x0f) == 3;  // NXDOMAIN
}

long long ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
}

std::string vm_rss(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return line;
  return "VmRSS: ?";
}

std::string log_line(const std::string& log, const std::string& what) {
  const auto at = log.rfind(what);
  return at == std::string::npos ? std::string("?") : log.substr(at, log.find('\n', at) - at);
}

// When the last log line holding `what` was written (lines start "YYYY-MM-DDTHH:MM:SS.mmmZ").
std::optional<std::chrono::system_clock::time_point> logged_at(const std::string& log, const std::string& what) {
  const auto at = log.rfind(what);
  if (at == std::string::npos) return std::nullopt;
  const auto nl = log.rfind('\n', at);
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(log.c_str() + (nl == std::string::npos ? 0 : nl + 1), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(timegm(&tm)) + std::chrono::milliseconds(ms);
}

}  // namespace

// Not a test: `test_e2e "[bench_rpz]"` (tests/bench/README.md). A large zone from knotd:
// start to the last name served, the transfer's own time (its log line), resident memory;
// NOTIFY to served for small IXFRs (one name added or deleted), timed from the moment
// `knotc zone-reload` returns (knotd has re-read its file and NOTIFYs) and from before it;
// then a restart of sproutdns without the primary, to the last name served from the stored
// copy. SPROUT_BENCH_RPZ_NAMES sets the size (default 100000).
TEST_CASE("bench: a large RPZ zone from knotd, and NOTIFY to served", "[.][bench_rpz]") {
  SPROUT_REQUIRE_RESOLVER();
  REQUIRE(have_knot());
  const char* env = std::getenv("SPROUT_BENCH_RPZ_NAMES");
  const int n = env != nullptr ? std::atoi(env) : 100000;
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  const std::uint16_t sprout_port = sprout::e2e::free_tcp_port();
  sprout::test::RpzPrimary knot("rpz.test", sprout_port);
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(n) + 8);
  for (int i = 0; i < n; ++i) names.push_back("n" + std::to_string(i) + ".bench.example");
  knot.write_zone(1, names);
  REQUIRE(knot.start());
  // knotd answers before it has loaded a large zone: wait for its SOA, so the figure is ours.
  REQUIRE(wait_until([&] { return parse_dig_output(dig(knot.port(), "rpz.test SOA +tcp").output).status == "NOERROR"; },
                     std::chrono::seconds(120), std::chrono::milliseconds(50)));
  std::string cfg = transfer_config(upstream.port(), dir.path(), knot.port(), sprout::test::RpzPrimary::kSecret);
  cfg.replace(cfg.find("127.0.0.1:0"), 11, "127.0.0.1:" + std::to_string(sprout_port));
  cfg += "rate_limit: {qps: 0}\n";  // polled every millisecond: the default limit would answer REFUSED
  auto start = std::chrono::steady_clock::now();
  auto r = std::make_unique<Resolver>(dir.path(), cfg);
  const std::string last = names.back();
  REQUIRE(wait_until([&] { return blocked_now(r->udp_port(), last); }, std::chrono::seconds(120), std::chrono::milliseconds(2)));
  const auto served = ms_since(start);
  CHECK(blocked_now(r->udp_port(), names.front()));
  WARN(n << " names: sproutdns start to last name served " << served << " ms; " << vm_rss(r->process().pid())
         << "; log: " << log_line(r->process().stderr_text(), "by AXFR"));
  std::string from_notify, from_reload, from_change;
  for (int round = 0; round < 6; ++round) {
    // Even rounds add a name, odd rounds delete the one added before.
    const std::string name = "added" + std::to_string(round / 2) + ".bench.example";
    if (round % 2 == 0) names.push_back(name);
    else names.pop_back();
    knot.write_zone(static_cast<std::uint32_t>(2 + round), names);
    const auto t0 = std::chrono::steady_clock::now();
    REQUIRE(knot.reload());
    const auto t1 = std::chrono::steady_clock::now();
    REQUIRE(wait_until([&] { return blocked_now(r->udp_port(), name) == (round % 2 == 0); }, std::chrono::seconds(30),
                       std::chrono::milliseconds(1)));
    const auto served_at = std::chrono::system_clock::now();
    const auto notified = logged_at(r->process().stderr_text(), "NOTIFY for rpz.test");
    from_notify += notified ? std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(served_at - *notified).count()) + " "
                            : std::string("? ");
    from_reload += std::to_string(ms_since(t1)) + " ";
    from_change += std::to_string(ms_since(t0)) + " ";
  }
  const std::string log = r->process().stderr_text();
  WARN("IXFR of one name (add, delete, ...) to served, ms from sproutdns's NOTIFY log line (ms clock): "
       << from_notify << "; from knotc zone-reload's return: " << from_reload << "; from before the reload: " << from_change
       << "; last: " << log_line(log, "by IXFR") << "; then " << log_line(log, "lists: "));
  CHECK(log.find("index patched") != std::string::npos);
  r.reset();
  knot.stop();
  start = std::chrono::steady_clock::now();
  r = std::make_unique<Resolver>(dir.path(), cfg);
  REQUIRE(wait_until([&] { return blocked_now(r->udp_port(), last); }, std::chrono::seconds(60), std::chrono::milliseconds(2)));
  WARN("restart without the primary to last name served (stored copy): " << ms_since(start) << " ms; "
       << vm_rss(r->process().pid()));
}
