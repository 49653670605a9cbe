// Tests of load_lists: local files, http(s) sources against an in-test HTTP server on
// 127.0.0.1 (200 with ETag, 304, 500, junk, oversize), last-good copies, status table.
#include "sprout/blocklists/bundled_lists.hpp"
#include "sprout/blocklists/list_loader.hpp"
#include "sprout/blocklists/zone_copy.hpp"
#include "sprout/config/config.hpp"
#include "tiny_http_server.hpp"

#include <catch2/catch.hpp>
#include <zlib.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace bl = sprout::blocklists;
namespace cfg = sprout::config;
namespace fs = std::filesystem;

namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/sprout_bl_loaderXXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  return tmpl;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

cfg::Config base_config(const std::string& dir) {
  cfg::Config c;
  c.state_dir = dir + "/state";
  c.categories = {{"adult", ""}, {"games", ""}, {"trusted", ""}};
  return c;
}

cfg::List make_list(const std::string& name, const std::string& category, const std::string& source) {
  cfg::List l;
  l.name = name;
  l.category = category;
  l.source = source;
  return l;
}

// The "province" list followed by zone transfer of rpz.test, added to `c`.
cfg::List add_transfer_list(cfg::Config& c) {
  cfg::List l = make_list("province", "adult", "axfr://192.0.2.1/rpz.test");
  l.format = cfg::ListFormat::rpz;
  l.transfer = cfg::Transfer{};
  l.transfer->zone = "rpz.test";
  c.lists.push_back(l);
  return l;
}

constexpr bl::CategorySet kAll = ~bl::CategorySet{0};
bl::LoadOptions opts() {
  bl::LoadOptions o;
  o.connect_timeout = std::chrono::seconds(5);
  o.transfer_timeout = std::chrono::seconds(10);
  o.seed = 99;
  return o;
}

}  // namespace

TEST_CASE("load_lists: local files, allowlist, categories, status table", "[loader]") {
  const std::string dir = temp_dir();
  write_file(dir + "/adult.txt", "# adult\nporn.example\nbad..name\n");
  write_file(dir + "/games.hosts", "0.0.0.0 game.example\n0.0.0.0 safe.porn.example\n");
  write_file(dir + "/allow.txt", "safe.porn.example\n");
  cfg::Config c = base_config(dir);
  c.lists.push_back(make_list("ut1-adult", "adult", dir + "/adult.txt"));
  c.lists.push_back(make_list("games", "games", dir + "/games.hosts"));
  auto allow = make_list("school-allow", "trusted", dir + "/allow.txt");
  allow.allow = true;
  c.lists.push_back(allow);
  c.lists.push_back(make_list("typo", "adullt", dir + "/adult.txt"));
  c.lists.push_back(make_list("missing", "adult", dir + "/nope.txt"));

  const auto loaded = bl::load_lists(c, opts());
  REQUIRE(loaded.lists.size() == 5);
  CHECK(loaded.lists[0].state == bl::ListState::ok);
  CHECK(loaded.lists[0].entries == 1);
  CHECK(loaded.lists[0].invalid == 1);
  CHECK(loaded.lists[0].last_refresh.has_value());
  CHECK(loaded.lists[1].format == bl::Format::hosts);
  CHECK(loaded.lists[3].state == bl::ListState::failed);
  CHECK(loaded.lists[3].error.find("unknown category 'adullt'") != std::string::npos);
  CHECK(loaded.lists[4].state == bl::ListState::failed);

  const auto& idx = loaded.index;
  auto m = idx.lookup("www.porn.example", 0b001);
  CHECK(m.verdict == bl::Verdict::block);
  CHECK(m.list == 0);
  CHECK(idx.lookup("www.porn.example", 0b010).verdict == bl::Verdict::none);
  CHECK(idx.lookup("game.example", 0b010).verdict == bl::Verdict::block);
  m = idx.lookup("safe.porn.example", kAll);  // allowlist wins at the same level
  CHECK(m.verdict == bl::Verdict::allow);
  CHECK(m.categories == 0b100);

  CHECK(bl::find_line(bl::list_content_path(c, c.lists[0]), bl::Format::auto_detect, "porn.example") ==
        std::optional<std::size_t>(2));
  const std::string table = bl::format_status_table(loaded.lists);
  INFO(table);
  CHECK(table.find("NAME") == 0);
  CHECK(table.find("ut1-adult") != std::string::npos);
  CHECK(table.find("trusted (allow)") != std::string::npos);
  CHECK(table.find("failed") != std::string::npos);
  CHECK(table.find(":3: invalid domain name: bad..name") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("load_lists: http source with ETag, 304, 500 and last-good copy", "[loader][http]") {
  const std::string dir = temp_dir();
  TinyHttpServer server;
  cfg::Config c = base_config(dir);
  auto list = make_list("remote adult", "adult", server.url("/adult.txt"));
  list.max_bytes = 1000;
  c.lists.push_back(list);

  server.push(200, "ETag: \"v1\"\r\nLast-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\n", "bad.com\nworse.com\n");
  auto r = bl::load_lists(c, opts());
  REQUIRE(r.lists[0].state == bl::ListState::ok);
  CHECK(r.lists[0].entries == 2);
  CHECK(r.index.lookup("x.bad.com", kAll).verdict == bl::Verdict::block);
  const std::string good = bl::list_content_path(c, c.lists[0]);
  CHECK(fs::exists(good));
  CHECK(bl::find_line(good, bl::Format::auto_detect, "worse.com") == std::optional<std::size_t>(2));

  server.push(304, "ETag: \"v1\"\r\n", "");
  r = bl::load_lists(c, opts());
  CHECK(r.lists[0].state == bl::ListState::ok);
  CHECK(r.lists[0].entries == 2);
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].find("If-None-Match") == std::string::npos);
  CHECK(reqs[1].find("If-None-Match: \"v1\"") != std::string::npos);
  CHECK(reqs[1].find("If-Modified-Since: Mon, 01 Jan 2024 00:00:00 GMT") != std::string::npos);

  server.push(500, "", "oops");
  r = bl::load_lists(c, opts());
  CHECK(r.lists[0].state == bl::ListState::stale);
  CHECK(r.lists[0].error.find("HTTP status 500") != std::string::npos);
  CHECK(r.index.lookup("bad.com", kAll).verdict == bl::Verdict::block);

  server.push(200, "", "<html><body>Service unavailable, try later</body></html>\n");
  r = bl::load_lists(c, opts());
  CHECK(r.lists[0].state == bl::ListState::stale);
  CHECK(r.lists[0].error.find("no usable entries") != std::string::npos);
  CHECK(r.index.lookup("bad.com", kAll).verdict == bl::Verdict::block);

  server.push(200, "", std::string(5000, 'a') + ".com\n");
  r = bl::load_lists(c, opts());
  CHECK(r.lists[0].state == bl::ListState::stale);
  CHECK(r.lists[0].error.find("larger than max_bytes") != std::string::npos);

  auto no_fetch = opts();
  no_fetch.fetch = false;  // fast start from the last-good copy, no request
  r = bl::load_lists(c, no_fetch);
  CHECK(r.lists[0].state == bl::ListState::ok);
  CHECK(r.lists[0].entries == 2);
  CHECK(server.requests().size() == 5);
  CHECK(bl::format_status_table(r.lists).find("remote adult") != std::string::npos);

  fs::remove_all(c.state_dir);  // no last-good copy and the server fails: failed
  server.push(500, "", "");
  r = bl::load_lists(c, opts());
  CHECK(r.lists[0].state == bl::ListState::failed);
  CHECK(r.lists[0].error.find("no last-good copy") != std::string::npos);
  CHECK(r.index.size() == 0);
  fs::remove_all(dir);
}

TEST_CASE("load_lists: unreachable server falls back to last-good", "[loader][http]") {
  const std::string dir = temp_dir();
  cfg::Config c = base_config(dir);
  std::string url;
  {
    TinyHttpServer server;
    url = server.url("/l.txt");
    server.push(200, "", "||ads.example^\n");
    c.lists.push_back(make_list("ads", "games", url));
    REQUIRE(bl::load_lists(c, opts()).lists[0].state == bl::ListState::ok);
  }  // server gone: connection refused
  const auto r = bl::load_lists(c, opts());
  CHECK(r.lists[0].state == bl::ListState::stale);
  CHECK(r.lists[0].format == bl::Format::adblock);
  CHECK(r.index.lookup("ads.example", kAll).verdict == bl::Verdict::block);
  fs::remove_all(dir);
}

TEST_CASE("load_lists: a URL list starts from its bundled snapshot until a download succeeds", "[loader][http][bundled]") {
  const std::string dir = temp_dir();
  TinyHttpServer server;
  cfg::Config c = base_config(dir);
  auto list = make_list("porn", "adult", server.url("/porn.txt"));
  list.bundled = "adult";
  c.lists.push_back(list);
  const auto snapshot = bl::bundled_list("adult");
  REQUIRE(snapshot);

  auto no_fetch = opts();
  no_fetch.fetch = false;  // first start: no copy yet, no network touched
  auto r = bl::load_lists(c, no_fetch);
  REQUIRE(r.lists[0].state == bl::ListState::bundled);
  CHECK(r.lists[0].bundled == snapshot->date);
  CHECK(r.lists[0].last_refresh == bl::bundled_date(snapshot->date));
  CHECK(r.lists[0].entries > 100000);
  CHECK(r.lists[0].invalid == 0);
  CHECK(r.index.lookup("www.pornhub.com", kAll).verdict == bl::Verdict::block);
  CHECK(server.requests().empty());
  CHECK(bl::format_status_table(r.lists).find("bundled " + std::string(snapshot->date)) != std::string::npos);
  const auto days = bl::bundled_age_days(r.lists[0], *bl::bundled_date(snapshot->date) + std::chrono::days(91));
  CHECK(days == std::optional<long>(91));
  CHECK(bl::bundled_note(r.lists[0], *bl::bundled_date(snapshot->date) + std::chrono::days(91)).find("older than 90 days") !=
        std::string::npos);
  CHECK(bl::bundled_note(r.lists[0], *bl::bundled_date(snapshot->date) + std::chrono::days(90)).find("older") ==
        std::string::npos);

  server.push(500, "", "oops");  // offline or broken upstream: the seed keeps serving
  r = bl::load_lists(c, opts());
  CHECK(r.lists[0].state == bl::ListState::bundled);
  CHECK(r.lists[0].error.find("HTTP status 500") != std::string::npos);
  CHECK(r.index.lookup("pornhub.com", kAll).verdict == bl::Verdict::block);
  CHECK(server.requests().back().find("If-None-Match") == std::string::npos);  // the seed has no validator

  server.push(200, "ETag: \"v1\"\r\n", "downloaded.example\n");  // the download replaces it
  r = bl::load_lists(c, opts());
  CHECK(r.lists[0].state == bl::ListState::ok);
  CHECK(r.lists[0].bundled.empty());
  CHECK(r.index.lookup("downloaded.example", kAll).verdict == bl::Verdict::block);
  CHECK(r.index.lookup("pornhub.com", kAll).verdict != bl::Verdict::block);
  r = bl::load_lists(c, no_fetch);  // and is never seeded again
  CHECK(r.lists[0].state == bl::ListState::ok);
  CHECK(r.index.lookup("pornhub.com", kAll).verdict != bl::Verdict::block);

  c.lists[0].bundled = "no-such-list";
  fs::remove_all(c.state_dir);
  r = bl::load_lists(c, no_fetch);
  CHECK(r.lists[0].state == bl::ListState::failed);
  CHECK(r.lists[0].error.find("no bundled list 'no-such-list'") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("every bundled list parses cleanly and is dated", "[loader][bundled]") {
  const auto all = bl::bundled_lists();
  REQUIRE(all.size() == 4);
  for (const auto& b : all) {
    INFO(b.name);
    CHECK(bl::bundled_date(b.date));
    const std::string dir = temp_dir();
    cfg::Config c = base_config(dir);
    auto list = make_list(std::string(b.name), "adult", "http://127.0.0.1:1/unused");
    list.bundled = std::string(b.name);
    list.format = cfg::ListFormat::domains;
    c.lists.push_back(list);
    auto no_fetch = opts();
    no_fetch.fetch = false;
    const auto r = bl::load_lists(c, no_fetch);
    CHECK(r.lists[0].state == bl::ListState::bundled);
    CHECK(r.lists[0].entries > 1000);
    CHECK(r.lists[0].invalid == 0);
    fs::remove_all(dir);
  }
}

TEST_CASE("load_lists: max_bytes also caps decompressed gzip content", "[loader]") {
  const std::string dir = temp_dir();
  std::string body;
  for (int i = 0; i < 2000; ++i) body += "same-name.example\n";  // compresses ~100:1
  const std::string gz = dir + "/bomb.txt.gz";
  gzFile f = gzopen(gz.c_str(), "wb9");
  gzwrite(f, body.data(), static_cast<unsigned>(body.size()));
  gzclose(f);
  REQUIRE(fs::file_size(gz) < 4000);
  cfg::Config c = base_config(dir);
  auto list = make_list("bomb", "adult", gz);
  list.max_bytes = 4000;
  c.lists.push_back(list);
  auto r = bl::load_lists(c, opts());
  CHECK(r.lists[0].state == bl::ListState::failed);
  CHECK(r.lists[0].error.find("content larger than 4000 bytes") != std::string::npos);
  CHECK(r.index.size() == 0);
  c.lists[0].max_bytes = 1u << 20;
  r = bl::load_lists(c, opts());
  CHECK(r.lists[0].state == bl::ListState::ok);
  CHECK(r.lists[0].entries == 2000);
  CHECK(r.index.size() == 1);
  fs::remove_all(dir);
}

TEST_CASE("the status table escapes what came from a list, so no row can hide another") {
  using namespace sprout::blocklists;
  ListStatus evil;
  evil.name = "evil";
  evil.category = "adult";
  evil.source = "http://x/\x1b[2J";
  evil.state = ListState::ok;
  evil.first_errors = {std::string("line 3: bad\0hidden", 18)};
  ListStatus after;
  after.name = "after";
  after.category = "gambling";
  after.state = ListState::failed;
  after.error = "download failed";
  const std::string table = format_status_table({evil, after});
  CHECK(table.find('\x1b') == std::string::npos);
  CHECK(table.find('\0') == std::string::npos);
  CHECK(table.find("\\x1b[2J") != std::string::npos);
  CHECK(table.find("bad\\x00hidden") != std::string::npos);
  CHECK(table.find("after") != std::string::npos);
  CHECK(table.find("download failed") != std::string::npos);
}

TEST_CASE("load_lists: a list by zone transfer serves its stored zone; past expire it is stale", "[loader][transfer]") {
  const std::string dir = temp_dir();
  cfg::Config c = base_config(dir);
  const cfg::List l = add_transfer_list(c);
  const std::string copy = bl::list_content_path(c, l);
  CHECK(copy == dir + "/state/lists/province.rpz");

  auto none = bl::load_lists(c, opts());
  CHECK(none.lists[0].state == bl::ListState::failed);
  CHECK(none.lists[0].error == "no zone transferred yet (transferred in the background)");

  // What the transfer stores (resolver/transfer/src/rpz_zone.cpp): the zone copy and its meta.
  fs::create_directories(dir + "/state/lists");
  const std::string soa = "rpz.test.\tIN\tSOA\tns.invalid. h.invalid. 7 3600 600 86400 60";
  const std::string text = "; serial 7\n" + soa + "\nporn.example.rpz.test.\tIN\tCNAME\t.\n";
  write_file(copy, text);  // the zone text an earlier release stored: refused, transferred again
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  write_file(copy + ".meta", "fetched\t" + std::to_string(now - 100) + "\nserial\t7\nexpire\t86400\n");
  auto old = bl::load_lists(c, opts());
  CHECK(old.lists[0].state == bl::ListState::failed);
  CHECK(old.lists[0].error == "last-good copy unusable: not a stored zone copy (an older format?)");
  bl::ZoneRecords records("rpz.test.");
  for (const char* r : {"porn.example.rpz.test.\tIN\tCNAME\t.", "*.casino.example.rpz.test.\tIN\tCNAME\t.",
                        "ok.porn.example.rpz.test.\tIN\tCNAME\trpz-passthru."})
    records.insert(r);
  std::string error;
  REQUIRE(bl::write_zone_copy(copy, 7, soa, records, error));
  auto fresh = bl::load_lists(c, opts());
  CHECK(fresh.lists[0].state == bl::ListState::ok);
  CHECK(fresh.lists[0].entries == 3);
  CHECK(fresh.index.lookup("porn.example", 0b001).verdict == bl::Verdict::block);
  CHECK(fresh.index.lookup("www.casino.example", 0b001).verdict == bl::Verdict::block);
  CHECK(fresh.index.lookup("ok.porn.example", 0b001).verdict == bl::Verdict::allow);
  // explain's line: the SOA is line 1, then the records in the copy's order.
  CHECK(bl::find_list_line(c, c.lists[0], "www.casino.example") == std::nullopt);  // the entry is for casino.example
  CHECK(bl::find_list_line(c, c.lists[0], "casino.example") == 3);
  CHECK(bl::find_list_line(c, c.lists[0], "ok.porn.example") == 4);

  c.lists[0].transfer->expire = std::chrono::seconds(60);  // the config's expire wins over the SOA's
  auto expired = bl::load_lists(c, opts());
  CHECK(expired.lists[0].state == bl::ListState::stale);
  CHECK(expired.lists[0].entries == 3);  // still served
  CHECK_THAT(expired.lists[0].error, Catch::Contains("zone expired"));
  CHECK(expired.index.lookup("porn.example", 0b001).verdict == bl::Verdict::block);
  // When it expires(d) is in the status (/metrics and `sproutdns lists` show it).
  REQUIRE(fresh.lists[0].expires);
  CHECK(std::chrono::system_clock::to_time_t(*fresh.lists[0].expires) == now - 100 + 86400);
  CHECK(std::chrono::system_clock::to_time_t(*expired.lists[0].expires) == now - 100 + 60);
  CHECK_THAT(bl::format_status_table(expired.lists), Catch::Contains("    zone expired at "));
  CHECK_THAT(bl::format_status_table(fresh.lists), Catch::Contains("    zone expires at "));

  c.lists[0].transfer->on_expire = cfg::OnExpire::drop;  // expired: not served at all
  auto dropped = bl::load_lists(c, opts());
  CHECK(dropped.lists[0].state == bl::ListState::failed);
  CHECK_THAT(dropped.lists[0].error, Catch::Contains("not served (on_expire: drop)"));
  CHECK(dropped.index.lookup("porn.example", 0b001).verdict == bl::Verdict::none);
  c.lists[0].transfer->expire = std::nullopt;  // the SOA's day has not passed: served
  CHECK(bl::load_lists(c, opts()).index.lookup("porn.example", 0b001).verdict == bl::Verdict::block);
  fs::remove_all(dir);
}

// Not a test: `test_blocklists "[.bench_zone_load]"` times indexing a stored 1M-record zone
// copy, what a restart of a follower of such a zone does before serving it.
TEST_CASE("bench: a stored 1M-record zone copy indexed", "[.][bench_zone_load]") {
  const std::string dir = temp_dir();
  cfg::Config c = base_config(dir);
  const cfg::List l = add_transfer_list(c);
  const std::string copy = bl::list_content_path(c, l);
  bl::ZoneRecords records("rpz.test.");
  for (int i = 0; i < 1000000; ++i) records.append("n" + std::to_string(i) + ".bench.example.rpz.test.\tIN\tCNAME\t.");
  std::string error;
  REQUIRE(bl::write_zone_copy(copy, 1, "rpz.test.\tIN\tSOA\tns.invalid. h.invalid. 1 3600 600 86400 60", records, error));
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  write_file(copy + ".meta", "fetched\t" + std::to_string(now) + "\nserial\t1\n");
  const auto t = std::chrono::steady_clock::now();
  auto loaded = bl::load_lists(c, opts());
  WARN("1M-record copy to index: "
       << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count() << " ms");
  CHECK(loaded.lists[0].entries == 1000000);
  fs::remove_all(dir);
}
