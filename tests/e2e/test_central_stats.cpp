// End-to-end: two sproutdns instances (districts of one province) write their minutes into
// one real PostgreSQL 15; the database is killed mid-run and brought back; the province
// report equals the traffic sent, exactly once, with small counts suppressed; each
// instance's dashboard overview shows its own figures, or that the store is unreachable.
#include <catch2/catch.hpp>

#include "pg_server.hpp"
#include "resolver_fixture.hpp"
#include <nlohmann/json.hpp>
#include "wait_until.hpp"

using namespace sprout::e2e;
namespace fs = std::filesystem;

namespace {

constexpr const char* kToken = "e2e-token-0123456789";

struct District {
  std::string instance, district, school;
};

std::string district_config(std::uint16_t upstream, const fs::path& dir, std::uint16_t admin, const District& d,
                            const std::string& conninfo) {
  write_file(dir / "gambling.txt", "gambling.test\n");
  return "listen: [\"127.0.0.1:0\"]\nworkers: 2\n"
         "upstreams: [{address: 127.0.0.1, port: " + std::to_string(upstream) + ", timeout: 500ms, tries: 1}]\n"
         "state_dir: " + (dir / "state").string() + "\n"
         "admin: {listen: \"127.0.0.1:" + std::to_string(admin) + "\", token: " + kToken + "}\n"
         "instance: {name: " + d.instance + ", labels: {province: Dak Lak, district: " + d.district + "}}\n"
         "stats: {backend: postgresql, postgresql: {conninfo: \"" + conninfo + "\"}}\n"
         "categories: {gambling: {}}\n"
         "lists: {gambling: {category: gambling, source: " + (dir / "gambling.txt").string() + "}}\n"
         "profiles: {default: {block: [gambling]}}\n"
         "networks: {lab: {cidrs: [127.0.0.1/32], profile: default, labels: {school: " + d.school + "}}}\n";
}

std::string api_report(std::uint16_t admin, const std::string& day) {
  return run_command("curl -s --max-time 10 -H 'Authorization: Bearer " + std::string(kToken) +
                     "' 'http://127.0.0.1:" + std::to_string(admin) + "/api/report?from=" + day + "&to=" + day +
                     "&format=json&lang=en'").output;
}

nlohmann::ordered_json api_overview(std::uint16_t admin) {
  const auto r = run_command("curl -s --max-time 10 -H 'Authorization: Bearer " + std::string(kToken) +
                             "' 'http://127.0.0.1:" + std::to_string(admin) + "/api/overview?period=today'");
  return nlohmann::ordered_json::parse(r.output, nullptr, false);
}

// The overview's totals read back from PostgreSQL: this instance's queries only.
bool overview_shows(std::uint16_t admin, int queries, int blocked) {
  const auto o = api_overview(admin);
  return !o.is_discarded() && o["counts"] == "postgresql" && o["totals"]["queries"] == queries &&
         o["totals"]["blocked"] == blocked;
}

void send(Resolver& r, int blocked, int allowed, int& serial) {
  for (int i = 0; i < blocked; ++i)
    CHECK(parse_dig_output(dig(r.udp_port(), "b" + std::to_string(serial++) + ".gambling.test A").output).status == "NXDOMAIN");
  for (int i = 0; i < allowed; ++i)
    CHECK(parse_dig_output(dig(r.udp_port(), "ok" + std::to_string(serial++) + ".example A").output).status == "NOERROR");
}

nlohmann::ordered_json totals(const nlohmann::ordered_json& report) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& a : report["totals_by_action"]) out[a["action"].get<std::string>()] = a["count"];
  return out;
}

}  // namespace

TEST_CASE("two districts report into one PostgreSQL through an outage, counted exactly once",
          "[resolver][monitoring][postgresql]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  sprout::test::PgServer pg;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  const District a{"krongpac", "Krong Pac", "THCS-A"}, b{"eakar", "Ea Kar", "THCS-B"};
  fs::create_directories(dir.path() / "a");
  fs::create_directories(dir.path() / "b");
  const std::uint16_t admin_a = free_tcp_port(), admin_b = free_tcp_port();
  auto ra = std::make_unique<Resolver>(dir.path() / "a", district_config(upstream.port(), dir.path() / "a", admin_a, a, pg.conninfo()));
  auto rb = std::make_unique<Resolver>(dir.path() / "b", district_config(upstream.port(), dir.path() / "b", admin_b, b, pg.conninfo()));
  const std::string day = today_utc();
  int serial = 0;

  send(*ra, 7, 6, serial);
  send(*rb, 3, 2, serial);
  // /api/report closes the minute in progress: it goes to the writer, which sends it now.
  CHECK(api_report(admin_a, day).find("\"instances\"") != std::string::npos);
  (void)api_report(admin_b, day);
  REQUIRE(sprout::test::wait_until([&] { return pg.psql("SELECT coalesce(sum(count), 0) FROM sprout_minute_counts") == "18\n"; },
                                   std::chrono::seconds(20)));

  // Each district's dashboard shows its own figures from the central store, its networks
  // by their own names.
  CHECK(sprout::test::wait_until([&] { return overview_shows(admin_a, 13, 7); }, std::chrono::seconds(10)));
  CHECK(sprout::test::wait_until([&] { return overview_shows(admin_b, 5, 3); }, std::chrono::seconds(10)));
  const auto by_network = api_overview(admin_a)["by_network"];
  REQUIRE(by_network.size() == 1);
  CHECK(by_network[0]["network"] == "lab");

  pg.kill();  // the database host dies mid-run; DNS goes on
  send(*ra, 4, 0, serial);
  send(*rb, 1, 3, serial);
  const std::string down = api_report(admin_a, day);
  CHECK(down.find("postgresql") != std::string::npos);  // the report says why it cannot be made
  (void)api_report(admin_b, day);
  const auto metrics = [&](std::uint16_t admin) {
    return run_command("curl -s --max-time 5 'http://127.0.0.1:" + std::to_string(admin) + "/metrics'").output;
  };
  // The writer notices, spools and says so in /metrics (what the fleet's alerts read).
  CHECK(sprout::test::wait_until([&] { return metrics(admin_a).find("\nsprout_stats_central_connected 0\n") != std::string::npos; },
                                 std::chrono::seconds(10)));
  CHECK(sprout::test::wait_until([&] { return metrics(admin_b).find("\nsprout_stats_spooled_batches 0\n") == std::string::npos; },
                                 std::chrono::seconds(10)));

  // The overview answers at once and says the central store is unreachable, not 0 queries.
  const auto asked = std::chrono::steady_clock::now();
  const auto unreachable = api_overview(admin_a);
  CHECK(std::chrono::steady_clock::now() - asked < std::chrono::seconds(5));
  CHECK(unreachable["counts"] == "unreachable");
  CHECK(unreachable["note"].get<std::string>().find("central store unreachable") != std::string::npos);
  CHECK(unreachable["lists"].size() == 1);  // the rest of the page is still there

  pg.start();
  REQUIRE(sprout::test::wait_until([&] { return pg.psql("SELECT coalesce(sum(count), 0) FROM sprout_minute_counts") == "26\n"; },
                                   std::chrono::seconds(45)));
  CHECK(metrics(admin_a).find("\nsprout_stats_central_connected 1\n") != std::string::npos);
  CHECK(metrics(admin_a).find("\nsprout_stats_dropped_batches_total 0\n") != std::string::npos);
  CHECK(sprout::test::wait_until([&] { return overview_shows(admin_a, 17, 11); }, std::chrono::seconds(10)));
  REQUIRE(ra->process().terminate() == std::optional<int>(0));
  REQUIRE(rb->process().terminate() == std::optional<int>(0));
  CHECK(pg.psql("SELECT coalesce(sum(count), 0) FROM sprout_minute_counts") == "26\n");  // nothing twice

  const std::string base = sproutdns_path() + " report --config " + (dir.path() / "a" / "sprout.yaml").string() +
                           " --from " + day + " --to " + day + " --format json --lang en -o -";
  const auto province = run_command(base + " --scope 'province=Dak Lak'");
  INFO(province.output.substr(0, 3000));
  REQUIRE(province.exit_code == 0);
  const auto p = nlohmann::ordered_json::parse(province.output);
  CHECK(totals(p)["blocked"] == 15);
  CHECK(totals(p)["allowed"] == 11);
  REQUIRE(p["coverage"]["instances"].size() == 2);
  CHECK(p["coverage"]["instances"][0]["instance"] == "eakar");
  CHECK(p["coverage"]["instances"][0]["minutes_reported"].get<int>() >= 1);
  CHECK(province.output.find("127.0.0.1") == std::string::npos);  // no client address anywhere

  const auto district = run_command(base + " --scope 'province=Dak Lak' --scope 'district=Ea Kar'");
  REQUIRE(district.exit_code == 0);
  const auto d = nlohmann::ordered_json::parse(district.output);
  CHECK(totals(d)["blocked"] == "<5");  // 3 + 1 in Ea Kar alone: under the threshold
  CHECK(totals(d)["allowed"] == 5);
  REQUIRE(d["coverage"]["instances"].size() == 1);
  CHECK(d["per_network"][0]["network"] == "eakar/lab");
  CHECK(d["per_network"][0]["labels"]["school"] == "THCS-B");
}
