// Reports: numbers equal what was fed in, scopes, suppression, and rendering goldens.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "fixture.hpp"
#include "sprout/core/json.hpp"
#include "sprout/stats/report_render.hpp"

using namespace sprout::stats;
using namespace sprout::stats::test;

namespace {

std::uint64_t action(const std::vector<ActionCount>& v, const std::string& name) {
  for (const auto& a : v)
    if (a.action == name) return a.count;
  return 0;
}

ReportData report_for(StatsStore& store, std::vector<ScopeTerm> scope = {}) {
  ReportData d;
  const Status s = build_report(store, {Date{2026, 11, 25}, Date{2026, 11, 26}, std::move(scope)}, kNow, d);
  INFO(s.error);
  REQUIRE(s.ok);
  return d;
}

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("report numbers equal what was fed in") {
  TempDir dir;
  StatsStore store(fixture_options(dir));
  REQUIRE(store.open());
  fill_fixture(store);
  const ReportData d = report_for(store);
  CHECK(action(d.totals, "allowed") == 269);
  CHECK(action(d.totals, "blocked") == 34);
  CHECK(action(d.totals, "safesearch") == 7);
  CHECK(action(d.totals, "bypass-blocked") == 6);
  CHECK(d.bypass_attempts == 6);
  CHECK(d.safesearch_enforced == 7);
  CHECK(d.networks.size() == 3);
  CHECK(d.days_with_data == std::vector<std::string>{"2026-11-25", "2026-11-26"});
  CHECK(d.categories == std::vector<std::string>{"adult", "gambling", "social"});
  REQUIRE(d.blocked_trend.size() == 6);
  CHECK(d.blocked_trend[0].count == 17);  // 2026-11-25 adult: classroom 12 + home 5
  CHECK(d.blocked_trend[3].count == 8);   // 2026-11-26 adult
  REQUIRE(d.top_domains_available);
  // Domains seen fewer than the threshold are left out entirely.
  REQUIRE(d.top_domains.size() == 2);
  CHECK(d.top_domains[0].category == "adult");
  REQUIRE(d.top_domains[0].domains.size() == 1);
  CHECK(d.top_domains[0].domains[0].domain == "porn.example");
  CHECK(d.top_domains[0].domains[0].count == 15);
  CHECK(d.top_domains[1].category == "social");
  CHECK(d.lists.size() == 3);

  SECTION("scope by label keeps matching networks only") {
    const ReportData q1 = report_for(store, {{"district", "Q1"}});
    CHECK(q1.networks.size() == 2);
    CHECK(action(q1.totals, "allowed") == 260);
    CHECK(action(q1.totals, "blocked") == 29);
    CHECK_FALSE(q1.top_domains_available);
    const ReportData home = report_for(store, {{"network", "home"}});
    CHECK(action(home.totals, "blocked") == 5);
    const ReportData both = report_for(store, {{"district", "Q1"}, {"network", "staff"}});
    CHECK(action(both.totals, "allowed") == 40);
  }
  SECTION("a scope matching nothing and a reversed range are errors") {
    ReportData out;
    CHECK_FALSE(build_report(store, {Date{2026, 11, 25}, Date{2026, 11, 26}, {{"district", "Q9"}}}, kNow, out).ok);
    CHECK_FALSE(build_report(store, {Date{2026, 11, 26}, Date{2026, 11, 25}, {}}, kNow, out).ok);
  }
}

TEST_CASE("counts below the threshold are never shown") {
  CHECK(format_count(0, 5) == "<5");
  CHECK(format_count(4, 5) == "<5");
  CHECK(format_count(5, 5) == "5");
  CHECK(format_count(3, 0) == "3");
  TempDir dir;
  StatsStore store(fixture_options(dir));
  REQUIRE(store.open());
  fill_fixture(store);
  const ReportData d = report_for(store);
  const std::string json = render_json(d, Lang::en);
  CHECK(json.find("\"count\": \"<5\"") != std::string::npos);
  CHECK(json.find("adult.example") == std::string::npos);
  const auto parsed = sprout::core::Json::parse(json);
  for (const auto& row : parsed["blocked_by_category_per_day"])
    if (row["category"] == "gambling") CHECK(row["count"] == "<5");  // blocked 3 times and 2 times
  for (Lang lang : {Lang::en, Lang::vi}) {
    const std::string html = render_html(d, lang);
    CHECK(html.find("&lt;5") != std::string::npos);
    CHECK(html.find("<td class=\"n\">3</td>") == std::string::npos);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("http://") == html.find("http://www.w3.org/2000/svg"));  // no external assets
  }
}

TEST_CASE("rendering goldens, both languages") {
  TempDir dir;
  StatsStore store(fixture_options(dir));
  REQUIRE(store.open());
  fill_fixture(store);
  const ReportData d = report_for(store);
  const bool update = std::getenv("SPROUT_UPDATE_GOLDEN") != nullptr;
  for (Lang lang : {Lang::en, Lang::vi})
    for (ReportFormat f : {ReportFormat::html, ReportFormat::csv, ReportFormat::json}) {
      const std::string name = std::string("report.") + std::string(lang_code(lang)) + "." +
                               std::string(format_extension(f));
      const std::string path = std::string(SPROUT_STATS_GOLDEN_DIR) + "/" + name;
      const std::string got = render(d, f, lang);
      if (update) {
        std::ofstream(path, std::ios::binary) << got;
        WARN("golden updated: " << path);
        continue;
      }
      INFO("golden " << path << " (regenerate with SPROUT_UPDATE_GOLDEN=1)");
      CHECK(got == read_all(path));
    }
}

TEST_CASE("reports state the privacy rules, translated") {
  TempDir dir;
  StatsStore store(fixture_options(dir));
  REQUIRE(store.open());
  fill_fixture(store);
  const ReportData d = report_for(store);
  const std::string vi = render_html(d, Lang::vi);
  CHECK(vi.find("Nguyên tắc bảo vệ quyền riêng tư đã áp dụng") != std::string::npos);
  CHECK(vi.find("Báo cáo lọc DNS Sprout") != std::string::npos);
  CHECK(vi.find("lang=\"vi\"") != std::string::npos);
  const std::string en = render_html(d, Lang::en);
  CHECK(en.find("Privacy rules applied") != std::string::npos);
  CHECK(en.find("No client address, device or person") != std::string::npos);
  const std::string csv = render_csv(d, Lang::vi);
  CHECK(csv.find("# Nguyên tắc bảo vệ quyền riêng tư đã áp dụng") != std::string::npos);
}

TEST_CASE("invalid UTF-8 in names and labels ends up as valid JSON") {
  ReportData d;
  d.query = {Date{2026, 11, 25}, Date{2026, 11, 25}, {{"school", "THCS \xe1\xbb"}}};
  d.networks.push_back({"lab\xff", {{"school", "THCS \xe1\xbb"}}});
  d.top_domains.push_back({"adult", {{"\xc0\xaf.example", 9}}});  // a qname from a packet: any bytes
  d.blocked_trend.push_back({"2026-11-25", "adult", 9});
  const std::string json = render_json(d, Lang::en);
  sprout::core::Json parsed;
  REQUIRE_NOTHROW(parsed = sprout::core::Json::parse(json));  // the parser rejects invalid UTF-8
  CHECK(parsed["top_blocked_domains"]["categories"][0]["domains"][0]["domain"] == "\xEF\xBF\xBD\xEF\xBF\xBD.example");
  CHECK(parsed["coverage"]["networks"][0]["name"] == "lab\xEF\xBF\xBD");
  CHECK(parsed["blocked_by_category_per_day"][0]["count"] == 9);
}
