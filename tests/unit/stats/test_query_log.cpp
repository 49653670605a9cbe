// Query log: pseudonyms, opt-out, retention, export; off by default.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

#include "sprout/core/json.hpp"
#include "sprout/stats/query_log.hpp"
#include "temp_dir.hpp"

using namespace sprout::stats;
using sprout::stats::test::TempDir;

namespace {

constexpr std::int64_t kDay = 86400;
const std::int64_t kT0 = day_start_unix(Date{2026, 11, 25}, 0) + 3600;

Pseudonymizer::KeySource counting_keys() {
  auto n = std::make_shared<std::uint8_t>(0);
  return [n] {
    PseudonymKey k{};
    k.fill(++*n);
    return k;
  };
}

QueryLogEntry entry(std::int64_t t, std::string network, std::string client, std::string qname = "a.example") {
  return QueryLogEntry{t, std::move(network), std::move(qname), 1, "allowed", "", std::move(client)};
}

}  // namespace

TEST_CASE("pseudonyms link a device within a day, not across days, keys or restarts") {
  Pseudonymizer p;
  const std::string a = p.pseudonym("192.0.2.10", kT0);
  CHECK(a.size() == 16);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a.find("192.0.2.10") == std::string::npos);
  CHECK(p.pseudonym("192.0.2.10", kT0 + 3600) == a);   // same day
  CHECK(p.pseudonym("192.0.2.11", kT0) != a);          // another device
  const std::string next_day = p.pseudonym("192.0.2.10", kT0 + kDay);
  CHECK(next_day != a);
  CHECK(p.pseudonym("192.0.2.10", kT0) != a);          // the old key is gone for good
  Pseudonymizer restarted;                             // a restart draws a new key
  CHECK(restarted.pseudonym("192.0.2.10", kT0) != a);

  SECTION("the key decides, and the day is part of the message") {
    Pseudonymizer fixed1(0, [] { return PseudonymKey{}; });
    Pseudonymizer fixed2(0, [] { return PseudonymKey{}; });
    CHECK(fixed1.pseudonym("2001:db8::1", kT0) == fixed2.pseudonym("2001:db8::1", kT0));
    // Same key on two days still gives two pseudonyms.
    CHECK(fixed1.pseudonym("2001:db8::1", kT0 + kDay) != fixed2.pseudonym("2001:db8::1", kT0));
    Pseudonymizer other(0, [] { PseudonymKey k{}; k[0] = 1; return k; });
    CHECK(other.pseudonym("2001:db8::1", kT0) != fixed2.pseudonym("2001:db8::1", kT0));
  }
}

TEST_CASE("query log is off by default and writes nothing") {
  TempDir dir;
  QueryLogOptions opt;
  opt.db_path = dir.file("qlog.db");
  QueryLog log(opt);
  CHECK_FALSE(log.enabled());
  REQUIRE(log.open());
  log.record(entry(kT0, "home", "192.0.2.1"));
  REQUIRE(log.flush());
  CHECK_FALSE(std::filesystem::exists(opt.db_path));
}

TEST_CASE("query log export, opt-out and retention") {
  TempDir dir;
  QueryLogOptions opt;
  opt.enabled = true;
  opt.db_path = dir.file("qlog.db");
  opt.retention_days = 2;
  opt.opt_out_networks = {"staff"};
  QueryLog log(opt, counting_keys());
  REQUIRE(log.open());
  log.record(entry(kT0, "classroom", "192.0.2.1", "x,\"y\".example"));
  log.record(entry(kT0 + 60, "classroom", "192.0.2.1"));
  log.record(entry(kT0 + 120, "staff", "192.0.2.2"));  // opted out
  log.record(entry(kT0 + kDay, "classroom", "192.0.2.1"));
  REQUIRE(log.flush());

  std::ostringstream csv;
  REQUIRE(log.export_range(Date{2026, 11, 25}, Date{2026, 11, 26}, ExportFormat::csv, csv));
  const std::string text = csv.str();
  INFO(text);
  CHECK(text.rfind("timestamp,network,qname,qtype,action,category,client\r\n", 0) == 0);
  CHECK(text.find("2026-11-25T01:00:00+00:00,classroom,\"x,\"\"y\"\".example\",1,allowed,,") != std::string::npos);
  CHECK(text.find("staff") == std::string::npos);
  CHECK(text.find("192.0.2") == std::string::npos);
  std::istringstream lines(text);
  std::vector<std::string> clients;
  for (std::string line; std::getline(lines, line);) clients.push_back(line.substr(line.rfind(',') + 1));
  REQUIRE(clients.size() == 4);  // header + 3
  CHECK(clients[1] == clients[2]);  // same device, same day
  CHECK(clients[1] != clients[3]);  // next day

  std::ostringstream one_day;
  REQUIRE(log.export_range(Date{2026, 11, 26}, Date{2026, 11, 26}, ExportFormat::json_lines, one_day));
  CHECK(one_day.str().rfind("{\"timestamp\":\"2026-11-26T01:00:00+00:00\",\"network\":\"classroom\","
                            "\"qname\":\"a.example\",\"qtype\":1,\"action\":\"allowed\",\"category\":\"\",\"client\":\"",
                            0) == 0);
  const std::string day_text = one_day.str();
  CHECK(std::count(day_text.begin(), day_text.end(), '\n') == 1);

  REQUIRE(log.enforce_retention(kT0 + 2 * kDay));  // keeps 11-26 and 11-27
  std::ostringstream after;
  REQUIRE(log.export_range(Date{2026, 11, 1}, Date{2026, 11, 30}, ExportFormat::json_lines, after));
  const std::string after_text = after.str();
  CHECK(std::count(after_text.begin(), after_text.end(), '\n') == 1);
  CHECK(after_text.find("2026-11-26") != std::string::npos);
}

TEST_CASE("query log JSON lines: invalid UTF-8 in a name is valid JSON, local times carry the offset") {
  TempDir dir;
  QueryLogOptions opt;
  opt.enabled = true;
  opt.db_path = dir.file("qlog.db");
  opt.utc_offset_minutes = 7 * 60;  // Asia/Ho_Chi_Minh
  QueryLog log(opt, counting_keys());
  REQUIRE(log.open());
  // Names come from packets: a label may hold any byte.
  log.record(entry(kT0, "lab\xff", "192.0.2.1", "\xe1\xbb.bet\x80.example"));
  log.record(entry(kT0 + 60, "lab", "192.0.2.1", "tab\there.example"));
  REQUIRE(log.flush());
  std::ostringstream out;
  REQUIRE(log.export_range(Date{2026, 11, 25}, Date{2026, 11, 25}, ExportFormat::json_lines, out));
  std::istringstream lines(out.str());
  std::vector<sprout::core::Json> rows;
  for (std::string line; std::getline(lines, line);) {
    INFO(line);
    REQUIRE_NOTHROW(rows.push_back(sprout::core::Json::parse(line)));  // the parser rejects invalid UTF-8
  }
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["timestamp"] == "2026-11-25T08:00:00+07:00");
  CHECK(rows[0]["qname"] == "\xEF\xBF\xBD.bet\xEF\xBF\xBD.example");
  CHECK(rows[0]["network"] == "lab\xEF\xBF\xBD");
  CHECK(rows[1]["timestamp"] == "2026-11-25T08:01:00+07:00");
  CHECK(rows[1]["qname"] == "tab\there.example");
}

TEST_CASE("query log on a broken file reports an error") {
  TempDir dir;
  QueryLogOptions opt;
  opt.enabled = true;
  opt.db_path = dir.file("qlog.db");
  std::ofstream(opt.db_path) << std::string(5000, 'z');
  QueryLog log(opt);
  CHECK_FALSE(log.open().ok);
  log.record(entry(kT0, "home", "192.0.2.1"));
  CHECK_FALSE(log.flush().ok);
}
