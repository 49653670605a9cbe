// The report command line and periodic reports.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "fixture.hpp"
#include "sprout/core/json.hpp"
#include "sprout/stats/report_command.hpp"

using namespace sprout::stats;
using namespace sprout::stats::test;

namespace {

struct Run {
  int code;
  std::string out, err;
};

Run run(const std::vector<std::string>& args, const StatsOptions& opt) {
  std::ostringstream out, err;
  const int code = run_report_command(args, opt, out, err, kNow);
  return {code, out.str(), err.str()};
}

}  // namespace

TEST_CASE("report command: usage errors are clear") {
  TempDir dir;
  const StatsOptions opt = fixture_options(dir);
  auto r = run({"--from", "2026-11-25", "--to", "2026-11-26", "--format", "pdf", "-o", "x"}, opt);
  CHECK(r.code == 2);
  CHECK(r.err.find("--format 'pdf' is not one of html, csv, json") != std::string::npos);
  CHECK(r.err.find("usage: sproutdns report") != std::string::npos);
  CHECK(run({"--from", "2026-13-01", "--to", "2026-11-26", "--format", "csv", "-o", "x"}, opt).err.find(
            "'2026-13-01' is not a date") != std::string::npos);
  CHECK(run({"--to", "2026-11-26", "--format", "csv", "-o", "x"}, opt).err.find("--from is required") != std::string::npos);
  CHECK(run({"--from", "2026-11-25", "--to", "2026-11-26", "--format", "csv"}, opt).err.find("-o FILE is required") !=
        std::string::npos);
  CHECK(run({"--from", "2026-11-25", "--to", "2026-11-26", "--format", "csv", "--scope", "x", "-o", "f"}, opt).code == 2);
  CHECK(run({"--from", "2026-11-27", "--to", "2026-11-26", "--format", "csv", "-o", "f"}, opt).code == 2);
  CHECK(run({"--bogus"}, opt).err.find("unknown argument '--bogus'") != std::string::npos);
  CHECK(run({"--help"}, opt).code == 0);
}

TEST_CASE("report command writes the report; a missing database is an error") {
  TempDir dir;
  const StatsOptions opt = fixture_options(dir);
  const auto out = dir.file("r.json");
  auto missing = run({"--from", "2026-11-25", "--to", "2026-11-26", "--format", "json", "-o", out}, opt);
  CHECK(missing.code == 1);
  CHECK_FALSE(missing.err.empty());
  CHECK_FALSE(std::filesystem::exists(dir.file("stats.db")));  // reports never create the store
  {
    StatsStore store(opt);
    REQUIRE(store.open());
    fill_fixture(store);
  }
  auto ok = run({"--from", "2026-11-25", "--to", "2026-11-26", "--scope", "district=Q1", "--format", "json", "--lang",
                 "vi", "-o", out},
                opt);
  INFO(ok.err);
  REQUIRE(ok.code == 0);
  std::ifstream f(out);
  std::stringstream ss;
  ss << f.rdbuf();
  const auto report = sprout::core::Json::parse(ss.str());
  CHECK(report["lang"] == "vi");
  CHECK(report["scope"] == sprout::core::Json::parse(R"([{"label": "district", "value": "Q1"}])"));
  CHECK(ss.str().find("\"home\"") == std::string::npos);
  auto other_db = run({"--from", "2026-11-25", "--to", "2026-11-26", "--format", "csv", "--db", opt.db_path, "-o", "-"},
                      StatsOptions{});
  CHECK(other_db.code == 0);
  CHECK(other_db.out.find("# Sprout DNS filtering report") == 0);
}

TEST_CASE("periodic reports: due periods, file names, written once") {
  TempDir dir;
  const StatsOptions opt = fixture_options(dir);
  StatsStore store(opt);
  REQUIRE(store.open());
  fill_fixture(store);
  PeriodicReportConfig cfg;
  cfg.periods = {ReportPeriod::daily, ReportPeriod::weekly, ReportPeriod::monthly};
  cfg.directory = dir.file("reports");
  cfg.formats = {ReportFormat::html, ReportFormat::csv};
  cfg.langs = {Lang::en, Lang::vi};
  PeriodicReports reports(cfg, opt);
  // kNow is Friday 2026-11-27: yesterday, the week of Mon 2026-11-16, and October.
  const auto due = reports.due(kNow);
  REQUIRE(due.size() == 12);
  CHECK(due[0].path == cfg.directory + "/report-2026-11-26-daily.en.html");
  CHECK(due[4].from == Date{2026, 11, 16});
  CHECK(due[4].to == Date{2026, 11, 22});
  CHECK(due[8].path == cfg.directory + "/report-2026-10-01-monthly.en.html");
  CHECK(due[8].to == Date{2026, 10, 31});

  std::vector<std::string> written;
  REQUIRE(reports.run(kNow, store, &written));
  CHECK(written.size() == 12);
  std::ofstream(cfg.directory + "/report-2026-11-26-daily.en.html") << "kept";
  written.clear();
  REQUIRE(reports.run(kNow + 3600, store, &written));
  CHECK(written.empty());
  CHECK(reports.due(kNow).empty());
  std::ifstream f(cfg.directory + "/report-2026-11-26-daily.en.html");
  std::string kept;
  f >> kept;
  CHECK(kept == "kept");
  // The next day, only the new daily reports are due.
  CHECK(reports.due(kNow + 86400).size() == 4);
}
