// Tests of ListCatalog::update: which pieces are reused (same object, nothing read) and
// which are rebuilt, for file, builtin and http(s) lists and for config changes.
#include "catalog_test_util.hpp"
#include "sprout/blocklists/list_catalog.hpp"
#include "sprout/blocklists/list_loader.hpp"
#include "tiny_http_server.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

using namespace catalog_test;
namespace fs = std::filesystem;

namespace {

// Three local lists: adult (domains), games (hosts), trusted (allowlist).
cfg::Config three_lists(const TempDir& d) {
  write_file(d.file("adult.txt"), "porn.example\nxxx.example\n");
  write_file(d.file("games.hosts"), "0.0.0.0 game.example\n0.0.0.0 play.example\n");
  write_file(d.file("allow.txt"), "safe.porn.example\n");
  cfg::Config c = base_config(d);
  c.lists.push_back(make_list("adult", "adult", d.file("adult.txt")));
  c.lists.push_back(make_list("games", "games", d.file("games.hosts")));
  c.lists.push_back(make_list("allow", "trusted", d.file("allow.txt"), true));
  return c;
}

const bl::ListPiece* piece(const bl::CatalogUpdate& u, bl::ListId id) { return u.catalog->piece(id).get(); }

}  // namespace

TEST_CASE("catalog: unchanged lists reuse their piece without reading", "[catalog]") {
  TempDir d;
  const cfg::Config c = three_lists(d);
  const auto u1 = bl::ListCatalog::update(c, nullptr, opts());
  REQUIRE(u1.lists.size() == 3);
  for (const auto& s : u1.lists) {
    CHECK(s.state == bl::ListState::ok);
    CHECK_FALSE(s.reused);
  }
  CHECK(u1.catalog->size() == 5);
  CHECK(u1.catalog->lookup("www.porn.example", kAdult).verdict == bl::Verdict::block);

  const auto u2 = bl::ListCatalog::update(c, u1.catalog.get(), opts());
  for (bl::ListId i = 0; i < 3; ++i) {
    INFO("list " << i);
    CHECK(u2.lists[i].reused);
    CHECK(u2.lists[i].state == bl::ListState::ok);
    CHECK(u2.lists[i].entries == u1.lists[i].entries);
    CHECK(u2.lists[i].format == u1.lists[i].format);
    CHECK(u2.lists[i].last_refresh == u1.lists[i].last_refresh);
    CHECK(piece(u2, i) == piece(u1, i));  // the same object: nothing was read or parsed
  }
  CHECK(u2.catalog->seed() == u1.catalog->seed());
  CHECK(u2.catalog->lookup("www.porn.example", kAdult).verdict == bl::Verdict::block);
  CHECK(u2.catalog->lookup("safe.porn.example", kAll).verdict == bl::Verdict::allow);
  CHECK(u2.catalog->lookup("game.example", kGames).list == 1);
}

TEST_CASE("catalog: a file whose size or mtime changed is rebuilt, the others are not", "[catalog]") {
  TempDir d;
  const cfg::Config c = three_lists(d);
  const auto u1 = bl::ListCatalog::update(c, nullptr, opts());

  std::ofstream(d.file("adult.txt"), std::ios::app) << "new.example\n";  // size changes
  set_mtime_ago(d.file("adult.txt"), 600);
  const auto u2 = bl::ListCatalog::update(c, u1.catalog.get(), opts());
  CHECK_FALSE(u2.lists[0].reused);
  CHECK(piece(u2, 0) != piece(u1, 0));
  CHECK(u2.lists[0].entries == 3);
  CHECK(piece(u2, 1) == piece(u1, 1));
  CHECK(piece(u2, 2) == piece(u1, 2));
  CHECK(u2.catalog->lookup("a.new.example", kAdult).verdict == bl::Verdict::block);
  CHECK(u1.catalog->lookup("a.new.example", kAdult).verdict == bl::Verdict::none);  // old one intact

  write_file(d.file("adult.txt"), "porn.example\nyyy.example\nnew.example\n", 300);  // same size
  const auto u3 = bl::ListCatalog::update(c, u2.catalog.get(), opts());
  CHECK(piece(u3, 0) != piece(u2, 0));
  CHECK(u3.catalog->lookup("yyy.example", kAdult).verdict == bl::Verdict::block);
  CHECK(u3.catalog->lookup("xxx.example", kAdult).verdict == bl::Verdict::none);

  set_mtime_ago(d.file("adult.txt"), 200);  // touched only: cannot know, so read again
  const auto u4 = bl::ListCatalog::update(c, u3.catalog.get(), opts());
  CHECK(piece(u4, 0) != piece(u3, 0));
  CHECK(piece(u4, 1) == piece(u1, 1));
}

TEST_CASE("catalog: a file modified within the last seconds is read again next time", "[catalog]") {
  TempDir d;
  cfg::Config c = three_lists(d);
  write_file(d.file("adult.txt"), "porn.example\n", 0);  // mtime: now
  const auto u1 = bl::ListCatalog::update(c, nullptr, opts());
  REQUIRE(u1.lists[0].state == bl::ListState::ok);
  CHECK_FALSE(piece(u1, 0)->reusable());
  const auto u2 = bl::ListCatalog::update(c, u1.catalog.get(), opts());
  CHECK_FALSE(u2.lists[0].reused);
  CHECK(piece(u2, 0) != piece(u1, 0));
  CHECK(piece(u2, 1) == piece(u1, 1));
  set_mtime_ago(d.file("adult.txt"), 60);
  const auto u3 = bl::ListCatalog::update(c, u2.catalog.get(), opts());
  const auto u4 = bl::ListCatalog::update(c, u3.catalog.get(), opts());
  CHECK(u4.lists[0].reused);
  CHECK(piece(u4, 0) == piece(u3, 0));
}

TEST_CASE("catalog: format, allow, source and max_bytes rebuild; category and order remap", "[catalog]") {
  TempDir d;
  cfg::Config c = three_lists(d);
  const auto u1 = bl::ListCatalog::update(c, nullptr, opts());

  SECTION("format") {
    c.lists[1].format = cfg::ListFormat::domains;  // hosts lines read as names: all invalid
    const auto u2 = bl::ListCatalog::update(c, u1.catalog.get(), opts());
    CHECK(piece(u2, 1) != piece(u1, 1));
    CHECK(u2.lists[1].state == bl::ListState::failed);
    CHECK(u2.catalog->lookup("game.example", kAll).verdict == bl::Verdict::none);
    CHECK(piece(u2, 0) == piece(u1, 0));
  }
  SECTION("allow") {
    c.lists[1].allow = true;
    const auto u2 = bl::ListCatalog::update(c, u1.catalog.get(), opts());
    CHECK(piece(u2, 1) != piece(u1, 1));
    CHECK(u2.catalog->lookup("game.example", kAll).verdict == bl::Verdict::allow);
  }
  SECTION("max_bytes") {
    c.lists[0].max_bytes = 1u << 20;
    const auto u2 = bl::ListCatalog::update(c, u1.catalog.get(), opts());
    CHECK(piece(u2, 0) != piece(u1, 0));
    c.lists[0].max_bytes = 4;  // now too small: refused before reading
    const auto u3 = bl::ListCatalog::update(c, u2.catalog.get(), opts());
    CHECK(u3.lists[0].state == bl::ListState::failed);
    CHECK(u3.lists[0].error.find("larger than max_bytes") != std::string::npos);
    CHECK(u3.catalog->lookup("porn.example", kAll).verdict == bl::Verdict::none);
  }
  SECTION("source") {
    write_file(d.file("adult2.txt"), "porn.example\nxxx.example\n");
    c.lists[0].source = d.file("adult2.txt");
    const auto u2 = bl::ListCatalog::update(c, u1.catalog.get(), opts());
    CHECK(piece(u2, 0) != piece(u1, 0));
  }
  SECTION("category: same piece, the new category bit") {
    c.lists[0].category = "malware";
    const auto u2 = bl::ListCatalog::update(c, u1.catalog.get(), opts());
    CHECK(piece(u2, 0) == piece(u1, 0));
    CHECK(u2.catalog->lookup("porn.example", kAdult).verdict == bl::Verdict::none);
    const auto m = u2.catalog->lookup("porn.example", kAll);
    CHECK(m.verdict == bl::Verdict::block);
    CHECK(m.categories == kMalware);
    CHECK(u1.catalog->lookup("porn.example", kAll).categories == kAdult);  // old catalog intact
  }
  SECTION("reorder, remove, add") {
    cfg::Config r = c;
    r.lists = {c.lists[2], c.lists[0], c.lists[1]};
    const auto u2 = bl::ListCatalog::update(r, u1.catalog.get(), opts());
    CHECK(piece(u2, 0) == piece(u1, 2));
    CHECK(piece(u2, 1) == piece(u1, 0));
    CHECK(piece(u2, 2) == piece(u1, 1));
    CHECK(u2.lists[0].name == "allow");
    CHECK(u2.catalog->lookup("game.example", kAll).list == 2);  // ListIds follow the new order
    CHECK(u2.catalog->lookup("porn.example", kAll).list == 1);

    r.lists = {c.lists[0], c.lists[2]};  // games removed
    const auto u3 = bl::ListCatalog::update(r, u2.catalog.get(), opts());
    CHECK(u3.catalog->list_count() == 2);
    CHECK(piece(u3, 0) == piece(u1, 0));
    CHECK(u3.catalog->lookup("game.example", kAll).verdict == bl::Verdict::none);

    write_file(d.file("malware.txt"), "evil.example\n");
    r.lists.push_back(make_list("malware", "malware", d.file("malware.txt")));
    const auto u4 = bl::ListCatalog::update(r, u3.catalog.get(), opts());
    CHECK(u4.lists[0].reused);
    CHECK(u4.lists[1].reused);
    CHECK_FALSE(u4.lists[2].reused);
    CHECK(u4.catalog->lookup("evil.example", kMalware).list == 2);
  }
}

TEST_CASE("catalog: one file configured twice is parsed once", "[catalog]") {
  TempDir d;
  write_file(d.file("both.txt"), "shared.example\n");
  cfg::Config c = base_config(d);
  c.lists.push_back(make_list("as-adult", "adult", d.file("both.txt")));
  c.lists.push_back(make_list("as-games", "games", d.file("both.txt")));
  const auto u = bl::ListCatalog::update(c, nullptr, opts());
  CHECK(piece(u, 0) == piece(u, 1));
  CHECK(u.lists[1].reused);
  auto m = u.catalog->lookup("www.shared.example", kGames);
  CHECK(m.categories == kGames);
  CHECK(m.list == 0);  // the first list holding the name, as in a merged index
  m = u.catalog->lookup("www.shared.example", kAll);
  CHECK(m.categories == (kAdult | kGames));
}

TEST_CASE("catalog: unusable content is remembered, not parsed again", "[catalog]") {
  TempDir d;
  write_file(d.file("junk.txt"), "<html>\n<body>Oops</body>\n</html>\n");
  cfg::Config c = base_config(d);
  c.lists.push_back(make_list("junk", "adult", d.file("junk.txt")));
  c.lists.push_back(make_list("missing", "adult", d.file("nope.txt")));
  c.lists.push_back(make_list("typo", "adullt", d.file("junk.txt")));
  const auto u1 = bl::ListCatalog::update(c, nullptr, opts());
  CHECK(u1.lists[0].state == bl::ListState::failed);
  CHECK(u1.lists[0].error.find("no usable entries") != std::string::npos);
  CHECK(u1.lists[1].state == bl::ListState::failed);
  CHECK(u1.lists[2].error.find("unknown category") != std::string::npos);
  const auto u2 = bl::ListCatalog::update(c, u1.catalog.get(), opts());
  CHECK(piece(u2, 0) == piece(u1, 0));
  CHECK(u2.lists[0].error == u1.lists[0].error);
  CHECK(u2.lists[0].invalid == u1.lists[0].invalid);
  CHECK(u2.lists[1].state == bl::ListState::failed);  // an I/O failure is retried every time
  CHECK(u2.catalog->size() == 0);
  CHECK(u2.catalog->lookup("oops", kAll).verdict == bl::Verdict::none);
}

TEST_CASE("catalog: builtin lists and hash seeds", "[catalog]") {
  TempDir d;
  cfg::Config c = three_lists(d);
  c.categories.push_back({"bypass", ""});
  c.lists.push_back(make_list("bypass", "bypass", "builtin:bypass", false, cfg::ListFormat::domains));
  const auto u1 = bl::ListCatalog::update(c, nullptr, opts(7));
  REQUIRE(u1.lists[3].state == bl::ListState::ok);
  const auto u2 = bl::ListCatalog::update(c, u1.catalog.get(), bl::LoadOptions{.fetch = false});
  CHECK(u2.catalog->seed() == 7);  // no seed asked: the previous catalog's
  CHECK(piece(u2, 3) == piece(u1, 3));
  CHECK(u2.lists[3].last_refresh == u1.lists[3].last_refresh);
  const auto u3 = bl::ListCatalog::update(c, u2.catalog.get(), opts(8));  // another seed: nothing fits
  for (const auto& s : u3.lists) CHECK_FALSE(s.reused);
  CHECK(piece(u3, 3) != piece(u2, 3));
  const bl::ListCatalog empty;
  CHECK(empty.lookup("x.example", kAll).verdict == bl::Verdict::none);
  CHECK(empty.piece(0) == nullptr);
}

TEST_CASE("catalog: http lists reuse the piece on 304 and failures, rebuild on 200", "[catalog][http]") {
  TempDir d;
  TinyHttpServer server;
  cfg::Config c = base_config(d);
  c.lists.push_back(make_list("remote", "adult", server.url("/l.txt")));
  auto fetch = opts();
  fetch.fetch = true;

  server.push(200, "ETag: \"v1\"\r\n", "bad.example\nworse.example\n");
  const auto u1 = bl::ListCatalog::update(c, nullptr, fetch);
  REQUIRE(u1.lists[0].state == bl::ListState::ok);
  server.push(304, "ETag: \"v1\"\r\n", "");
  const auto u2 = bl::ListCatalog::update(c, u1.catalog.get(), fetch);
  CHECK(u2.lists[0].state == bl::ListState::ok);
  CHECK(u2.lists[0].reused);
  CHECK(piece(u2, 0) == piece(u1, 0));
  server.push(500, "", "");
  const auto u3 = bl::ListCatalog::update(c, u2.catalog.get(), fetch);
  CHECK(u3.lists[0].state == bl::ListState::stale);
  CHECK(piece(u3, 0) == piece(u1, 0));
  CHECK(u3.catalog->lookup("bad.example", kAll).verdict == bl::Verdict::block);
  const auto no_fetch = bl::ListCatalog::update(c, u3.catalog.get(), opts());  // reload: no request
  CHECK(no_fetch.lists[0].state == bl::ListState::ok);
  CHECK(piece(no_fetch, 0) == piece(u1, 0));

  server.push(200, "ETag: \"v2\"\r\n", "bad.example\nthird.example\n");
  const auto u4 = bl::ListCatalog::update(c, u3.catalog.get(), fetch);
  CHECK_FALSE(u4.lists[0].reused);
  CHECK(piece(u4, 0) != piece(u1, 0));
  CHECK(u4.catalog->lookup("third.example", kAll).verdict == bl::Verdict::block);
  CHECK(server.requests().size() == 4);
  CHECK(server.requests()[3].find("If-None-Match: \"v1\"") != std::string::npos);
}

TEST_CASE("catalog: a refresh finishing after a reload loses neither's work", "[catalog][http]") {
  TempDir d;
  TinyHttpServer server;
  cfg::Config a = base_config(d);
  a.lists.push_back(make_list("remote", "adult", server.url("/l.txt")));
  auto fetch = opts();
  fetch.fetch = true;
  server.push(200, "ETag: \"v1\"\r\n", "one.example\n");
  const auto current = bl::ListCatalog::update(a, nullptr, fetch);

  // A refresh (against config A) downloads v2 while a reload switches to config B.
  server.push(200, "ETag: \"v2\"\r\n", "two.example\n");
  const auto refreshed = bl::ListCatalog::update(a, current.catalog.get(), fetch);
  write_file(d.file("games.txt"), "game.example\n");
  cfg::Config b = a;
  b.lists.insert(b.lists.begin(), make_list("games", "games", d.file("games.txt")));
  const auto reloaded = bl::ListCatalog::update(b, current.catalog.get(), opts());

  // The refresh is not thrown away: B gets the download and the reload's piece, reading nothing.
  const bl::ListCatalog* previous[] = {refreshed.catalog.get(), reloaded.catalog.get()};
  const auto merged = bl::ListCatalog::update(b, previous, opts());
  CHECK(merged.lists[0].reused);
  CHECK(merged.lists[1].reused);
  CHECK(piece(merged, 0) == piece(reloaded, 0));
  CHECK(piece(merged, 1) == piece(refreshed, 0));
  CHECK(merged.catalog->lookup("two.example", kAdult).list == 1);
  CHECK(merged.catalog->lookup("one.example", kAll).verdict == bl::Verdict::none);
  CHECK(server.requests().size() == 2);
}
