// The central PostgreSQL store against a real PostgreSQL 15 (tests/support/pg_server):
// migrations, exactly-once batches, the spool through an outage, reports across instances.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "pg_server.hpp"
#include "sprout/core/json.hpp"
#include "sprout/stats/central_counts_reader.hpp"
#include "sprout/stats/central_writer.hpp"
#include "sprout/stats/report.hpp"
#include "sprout/stats/report_render.hpp"
#include "temp_dir.hpp"
#include "wait_until.hpp"

using namespace sprout::stats;
using sprout::test::PgServer;
using sprout::stats::test::TempDir;

namespace {

StatsOptions central_options(const PgServer& pg) {
  StatsOptions o;
  o.pg_conninfo = pg.conninfo();
  return o;
}

MinuteBatch batch(std::int64_t minute, std::vector<MinuteRow> rows) { return MinuteBatch{minute, std::move(rows), {}}; }

std::uint64_t total(const ReportData& d, const std::string& action) {
  for (const auto& a : d.totals)
    if (a.action == action) return a.count;
  return 0;
}

const std::int64_t kMinute = day_start_unix(Date{2026, 11, 25}, 0) + 8 * 3600;

}  // namespace

TEST_CASE("the writer creates the schema by versioned migrations, once, and the read-only role") {
  PgServer pg;
  CentralStore a(central_options(pg));
  REQUIRE(a.open_writer("sprout_report"));
  CHECK(a.schema_version() == static_cast<int>(central_migrations().size()));
  CentralStore b(central_options(pg));
  REQUIRE(b.open_writer("sprout_report"));  // a second instance finds it done
  CHECK(pg.psql("SELECT count(*) FROM sprout_schema") == std::to_string(central_migrations().size()) + "\n");
  CHECK(pg.psql("SELECT has_table_privilege('sprout_report', 'sprout_minute_counts', 'SELECT')") == "t\n");
  CHECK(pg.psql("SELECT has_table_privilege('sprout_report', 'sprout_minute_counts', 'INSERT')") == "f\n");
  // A schema newer than this build is refused, not written into.
  (void)pg.psql("INSERT INTO sprout_schema (version) VALUES (999)");
  CentralStore c(central_options(pg));
  const Status s = c.open_writer("sprout_report");
  CHECK_FALSE(s);
  CHECK(s.error.find("newer") != std::string::npos);
}

TEST_CASE("a batch is counted exactly once however often it is retried") {
  PgServer pg;
  CentralStore store(central_options(pg));
  REQUIRE(store.open_writer("sprout_report"));
  const MinuteBatch b = batch(kMinute, {{"classroom", "adult", "blocked", 7}, {"classroom", "", "allowed", 30}});
  bool already = true;
  REQUIRE(store.write_batch("hanoi-1", "e:1", b, &already));
  CHECK_FALSE(already);
  REQUIRE(store.write_batch("hanoi-1", "e:1", b, &already));  // the retry after a lost reply
  CHECK(already);
  REQUIRE(store.write_batch("hanoi-1", "e:2", batch(kMinute, {{"classroom", "adult", "blocked", 2}})));
  REQUIRE(store.write_batch("hanoi-2", "e:1", b));  // another instance, same key: its own
  CHECK(pg.psql("SELECT instance, count FROM sprout_minute_counts WHERE action = 'blocked' ORDER BY 1") ==
        "hanoi-1|9\nhanoi-2|7\n");
}

TEST_CASE("batches wait in the spool while PostgreSQL is down and arrive once, in order, when it is back") {
  PgServer pg;
  TempDir dir;
  CentralWriterOptions o;
  o.store = central_options(pg);
  o.instance = "krongpac";
  o.labels = {{"province", "Dak Lak"}, {"district", "Krong Pac"}};
  o.spool_path = dir.file("spool.sqlite");
  o.retry_min = std::chrono::milliseconds(100);
  o.retry_max = std::chrono::milliseconds(400);
  CentralWriter w(o);
  w.start();
  w.submit_units({{"classroom", {{"school", "THCS A"}}}});
  w.submit(batch(kMinute, {{"classroom", "", "allowed", 10}}));
  REQUIRE(sprout::test::wait_until([&] { return w.counters().sent.load() == 1; }, std::chrono::seconds(10)));
  pg.kill();
  for (int i = 1; i <= 3; ++i) w.submit(batch(kMinute + 60 * i, {{"classroom", "", "allowed", 10}}));
  REQUIRE(sprout::test::wait_until([&] { return w.counters().spooled.load() == 3; }, std::chrono::seconds(10)));
  CHECK(w.counters().sent.load() == 1);
  CHECK(w.counters().failures.load() > 0);
  pg.start();
  REQUIRE(sprout::test::wait_until([&] { return w.counters().sent.load() == 4; }, std::chrono::seconds(10)));
  w.stop();
  CHECK(w.counters().spooled.load() == 0);
  CHECK(pg.psql("SELECT count(*), sum(count) FROM sprout_minute_counts") == "4|40\n");
  CHECK(pg.psql("SELECT value FROM sprout_instance_labels WHERE label = 'district'") == "Krong Pac\n");
}

TEST_CASE("a full spool drops the oldest batches, counts them and keeps the newest") {
  PgServer pg;
  pg.kill();
  TempDir dir;
  CentralWriterOptions o;
  o.store = central_options(pg);
  o.instance = "eakar";
  o.spool_path = dir.file("spool.sqlite");
  o.spool_max = 3;
  o.retry_min = std::chrono::milliseconds(100);
  o.retry_max = std::chrono::milliseconds(200);
  {
    CentralWriter w(o);
    w.start();
    for (int i = 0; i < 5; ++i) w.submit(batch(kMinute + 60 * i, {{"lab", "", "allowed", 1u + i}}));
    REQUIRE(sprout::test::wait_until([&] { return w.counters().dropped.load() == 2; }, std::chrono::seconds(10)));
    CHECK(w.counters().spooled.load() == 3);
  }  // stopped with PostgreSQL down: the spool keeps the batches for the next start
  pg.start();
  CentralWriter again(o);
  again.start();
  REQUIRE(sprout::test::wait_until([&] { return again.counters().sent.load() == 3; }, std::chrono::seconds(10)));
  again.stop();
  CHECK(pg.psql("SELECT string_agg(count::text, ',' ORDER BY minute) FROM sprout_minute_counts") == "3,4,5\n");
}

TEST_CASE("a report across instances is scoped by labels, sums before suppressing and lists coverage") {
  PgServer pg;
  CentralStore w(central_options(pg));
  REQUIRE(w.open_writer("sprout_report"));
  REQUIRE(w.record_instance("krongpac", {{"province", "Dak Lak"}, {"district", "Krong Pac"}},
                            {{"classroom", {{"school", "THCS A"}}}}, kMinute));
  REQUIRE(w.record_instance("eakar", {{"province", "Dak Lak"}, {"district", "Ea Kar"}},
                            {{"classroom", {{"school", "THCS B"}}}}, kMinute));
  REQUIRE(w.record_instance("hanoi", {{"province", "Ha Noi"}}, {{"classroom", {}}}, kMinute));
  // 3 + 3 blocked adult queries: each under the threshold, their sum is not.
  REQUIRE(w.write_batch("krongpac", "k:1", batch(kMinute, {{"classroom", "adult", "blocked", 3},
                                                            {"classroom", "gambling", "blocked", 1},
                                                            {"classroom", "", "allowed", 50}})));
  REQUIRE(w.write_batch("eakar", "e:1", batch(kMinute + 60, {{"classroom", "adult", "blocked", 3},
                                                              {"classroom", "", "allowed", 20}})));
  REQUIRE(w.write_batch("eakar", "e:2", batch(kMinute + 120, {})));  // alive, quiet
  REQUIRE(w.write_batch("hanoi", "h:1", batch(kMinute, {{"classroom", "adult", "blocked", 100}})));
  REQUIRE(w.record_lists("krongpac", kMinute - 10, {{"adult", "adult", 1000, kMinute - 3600, ListState::ok}}));
  REQUIRE(w.record_lists("krongpac", kMinute + 30, {{"adult", "adult", 1000, kMinute - 3600, ListState::failed}}));
  REQUIRE(w.record_lists("krongpac", kMinute + 90, {{"adult", "adult", 1200, kMinute + 90, ListState::ok}}));

  CentralStore r(central_options(pg));
  REQUIRE(r.open_reader());
  ReportData d;
  ReportQuery q{Date{2026, 11, 25}, Date{2026, 11, 25}, {{"province", "Dak Lak"}}};
  REQUIRE(build_report(r, q, kMinute + 3600, d));
  CHECK(total(d, "blocked") == 7);
  CHECK(total(d, "allowed") == 70);
  REQUIRE(d.per_network.size() == 2);
  CHECK(d.per_network[0].network == "eakar/classroom");
  CHECK(d.per_network[0].labels.at("school") == "THCS B");
  CHECK(d.per_network[0].labels.at("district") == "Ea Kar");
  // Coverage lists every instance of the scope with the minutes it reported.
  REQUIRE(d.coverage.size() == 2);
  CHECK(d.coverage[0].instance == "eakar");
  CHECK(d.coverage[0].minutes == 2);
  CHECK(d.coverage[1].instance == "krongpac");
  CHECK(d.coverage[1].minutes == 1);
  // The list failed within the period: the report says so although it recovered.
  REQUIRE(d.lists.size() == 1);
  CHECK(d.lists[0].name == "krongpac/adult");
  CHECK(d.lists[0].state == ListState::failed);

  const auto json = sprout::core::Json::parse(render(d, ReportFormat::json, Lang::en));
  std::map<std::string, sprout::core::Json> trend;
  for (const auto& row : json["blocked_by_category_per_day"]) trend[row["category"]] = row["count"];
  CHECK(trend["adult"] == 6);        // 3 + 3: summed across instances, then not suppressed
  CHECK(trend["gambling"] == "<5");  // 1: suppressed
  CHECK(json["coverage"]["instances"][0]["minutes_reported"] == 2);

  ReportData district;
  q.scope.push_back({"district", "Krong Pac"});
  REQUIRE(build_report(r, q, kMinute + 3600, district));
  CHECK(total(district, "blocked") == 4);
  CHECK(district.coverage.size() == 1);
  q.scope = {{"province", "Nowhere"}};
  CHECK_FALSE(build_report(r, q, kMinute + 3600, district));
}

TEST_CASE("an unreachable central store is a clear error, not a crash") {
  StatsOptions o;
  o.pg_conninfo = "host=127.0.0.1 port=1 dbname=postgres user=sprout connect_timeout=2";
  CentralStore r(o);
  const Status s = r.open_reader();
  CHECK_FALSE(s);
  CHECK(s.error.find("postgresql: connecting") != std::string::npos);
  o.pg_conninfo = "this is not a conninfo";
  CentralStore bad(o);
  CHECK_FALSE(bad.open_reader());
}

TEST_CASE("an instance reads back its own minutes, under their own network names") {
  PgServer pg;
  CentralStore w(central_options(pg));
  REQUIRE(w.open_writer("sprout_report"));
  REQUIRE(w.write_batch("hanoi-1", "e:1", batch(kMinute, {{"classroom", "adult", "blocked", 7}, {"staff", "none", "allowed", 3}})));
  REQUIRE(w.write_batch("hanoi-2", "e:1", batch(kMinute, {{"classroom", "adult", "blocked", 100}})));
  REQUIRE(w.write_batch("hanoi-1", "e:2", batch(kMinute + 3600, {{"classroom", "none", "allowed", 5}})));
  CentralCountsReader reader(central_options(pg), "hanoi-1");
  std::vector<StoredCount> rows;
  REQUIRE(reader.read(kMinute, kMinute + 60, std::chrono::seconds(10), rows));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].network == "classroom");
  CHECK(rows[0].count == 7);
  CHECK(rows[1].network == "staff");
  rows.clear();
  REQUIRE(reader.read(kMinute, kMinute + 7200, std::chrono::seconds(10), rows));
  CHECK(rows.size() == 3);
  pg.kill();  // its open connection breaks: a clear error, and a new connection once it is back
  rows.clear();
  const Status down = reader.read(kMinute, kMinute + 60, std::chrono::seconds(10), rows);
  CHECK_FALSE(down);
  CHECK(down.error.find("postgresql") != std::string::npos);
  pg.start();
  REQUIRE(reader.read(kMinute, kMinute + 60, std::chrono::seconds(10), rows));
  CHECK(rows.size() == 2);
}

TEST_CASE("a central store that does not answer costs the overview its timeout, once") {
  // A listener that never accepts: libpq's connect waits for the server's first message.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  StatsOptions o;
  o.pg_conninfo = "host=127.0.0.1 port=" + std::to_string(ntohs(a.sin_port)) + " dbname=postgres user=sprout connect_timeout=20";
  {
    CentralCountsReader reader(o, "hanoi-1");
    std::vector<StoredCount> rows;
    const auto started = std::chrono::steady_clock::now();
    const Status s = reader.read(0, 60, std::chrono::milliseconds(300), rows);
    CHECK_FALSE(s);
    CHECK(s.error.find("no answer within 300 ms") != std::string::npos);
    // The read still hangs: the next one fails at once instead of waiting again.
    const Status again = reader.read(0, 60, std::chrono::seconds(10), rows);
    CHECK_FALSE(again);
    CHECK(again.error.find("still waiting") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
  }  // destroyed while its thread is inside libpq: no wait here either
  ::close(fd);  // the queued connection is reset and the left thread returns
}

TEST_CASE("the conninfo comes from the config or the first line of conninfo_file") {
  TempDir dir;
  std::string out;
  REQUIRE(load_conninfo("host=a", "", out));
  CHECK(out == "host=a");
  {
    std::ofstream f(dir.file("pg"));
    f << "host=db.example dbname=sprout password=secret\r\nignored\n";
  }
  REQUIRE(load_conninfo("", dir.file("pg"), out));
  CHECK(out == "host=db.example dbname=sprout password=secret");
  const Status missing = load_conninfo("", dir.file("none"), out);
  CHECK_FALSE(missing);
  CHECK(missing.error.find("cannot read conninfo_file") != std::string::npos);
  { std::ofstream f(dir.file("empty")); }
  const Status empty = load_conninfo("", dir.file("empty"), out);
  CHECK_FALSE(empty);
  CHECK(empty.error.find("is empty") != std::string::npos);
}
