// Tests of ListCatalog::lookup: the same answers as a DomainIndex merged from every list
// (random and real lists, many small lists in a group, allow overrides across lists), and
// no allocation.
#include "alloc_counter.hpp"
#include "catalog_test_util.hpp"
#include "sprout/blocklists/line_reader.hpp"
#include "sprout/blocklists/list_catalog.hpp"
#include "sprout/blocklists/list_format.hpp"
#include "sprout/blocklists/list_loader.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

using namespace catalog_test;
namespace fs = std::filesystem;

namespace {

// Every query against the catalog and the merged index, under several category masks.
void expect_same(const bl::ListCatalog& cat, const bl::DomainIndex& merged, const std::vector<std::string>& queries,
                 const std::vector<bl::CategorySet>& masks) {
  std::size_t differ = 0, decided = 0;
  for (const std::string& q : queries) {
    for (bl::CategorySet mask : masks) {
      const bl::Match a = cat.lookup(q, mask), b = merged.lookup(q, mask);
      decided += b.verdict != bl::Verdict::none;
      if (same_match(a, b)) continue;
      if (++differ <= 5) {
        UNSCOPED_INFO(q << " mask " << mask << ": catalog " << int(a.verdict) << "/" << a.categories << "/"
                        << a.list << "/" << a.suffix << ", merged " << int(b.verdict) << "/" << b.categories
                        << "/" << b.list << "/" << b.suffix);
      }
    }
  }
  CHECK(differ == 0);
  CHECK(decided > 0);
}

// Names over a few shared parents, so lists overlap and parents and children are both listed.
std::string random_name(std::mt19937_64& rng, std::size_t pool) {
  static const char* kTlds[] = {"com", "net", "org", "vn", "com.vn"};
  std::string n = "d" + std::to_string(rng() % pool) + "." + kTlds[rng() % 5];
  for (std::uint64_t depth = rng() % 4; depth-- > 0;) n.insert(0, "s" + std::to_string(rng() % 6) + ".");
  return n;
}

// One random list in a random format: block/allow, exact/subtree, RPZ NODATA.
std::string random_list(std::mt19937_64& rng, std::size_t lines, std::size_t pool, cfg::ListFormat& format) {
  const int kind = static_cast<int>(rng() % 4);
  format = kind == 0 ? cfg::ListFormat::domains : kind == 1 ? cfg::ListFormat::hosts
         : kind == 2 ? cfg::ListFormat::adblock : cfg::ListFormat::rpz;
  std::string text;
  for (std::size_t i = 0; i < lines; ++i) {
    const std::string n = random_name(rng, pool);
    const int v = static_cast<int>(rng() % 3);
    switch (kind) {
      case 0: text += (v == 0 ? "*." : v == 1 ? "." : "") + n + "\n"; break;
      case 1: text += "0.0.0.0 " + n + "\n"; break;
      case 2: text += (v == 0 ? "@@||" : "||") + n + "^\n"; break;
      default:
        text += (v == 0 ? "*." : "") + n + (v == 1 ? " CNAME *.\n" : rng() % 5 == 0 ? " CNAME rpz-passthru.\n" : " CNAME .\n");
    }
  }
  return text;
}

std::vector<std::string> random_queries(std::mt19937_64& rng, std::size_t count, std::size_t pool) {
  std::vector<std::string> q;
  for (std::size_t i = 0; i < count; ++i) {
    std::string n = random_name(rng, pool);
    if (rng() % 3 == 0) n = "x" + std::to_string(rng() % 3) + "." + n;
    if (rng() % 7 == 0) n += ".";
    q.push_back(n);
  }
  q.insert(q.end(), {"", ".", "com", "vn", "unlisted.example"});
  return q;
}

}  // namespace

TEST_CASE("catalog lookup equals the merged index: random lists", "[catalog][lookup]") {
  TempDir d;
  std::mt19937_64 rng(GENERATE(1u, 2u, 3u));
  constexpr std::size_t kPool = 3000;
  cfg::Config c = base_config(d);
  // Two lists big enough to be probed alone, six small ones merged into the lookup group.
  const std::size_t sizes[] = {20000, 17000, 40, 300, 5, 1200, 60, 9};
  for (std::size_t i = 0; i < std::size(sizes); ++i) {
    cfg::ListFormat format{};
    const std::string path = d.file("l" + std::to_string(i));
    write_file(path, random_list(rng, sizes[i], i < 2 ? 30 * kPool : kPool, format));
    const char* cats[] = {"adult", "games", "trusted", "malware"};
    c.lists.push_back(make_list("l" + std::to_string(i), cats[rng() % 4], path, rng() % 5 == 0, format));
  }
  const auto u = bl::ListCatalog::update(c, nullptr, opts());
  for (const auto& s : u.lists) REQUIRE(s.state == bl::ListState::ok);
  const bl::LoadedLists merged = bl::load_lists(c, opts());
  CHECK(merged.index.size() <= u.catalog->size());
  std::vector<std::string> queries = random_queries(rng, 4000, kPool);
  const auto big = random_queries(rng, 2000, 30 * kPool);
  queries.insert(queries.end(), big.begin(), big.end());
  expect_same(*u.catalog, merged.index, queries, {kAll, 0, kAdult, kGames | kMalware, kTrusted});

  // After a reload where one small list changed, still the same answers as a fresh merge.
  cfg::ListFormat format{};
  write_file(c.lists[4].source, random_list(rng, 50, kPool, format), 100);
  c.lists[4].format = format;
  const auto u2 = bl::ListCatalog::update(c, u.catalog.get(), opts());
  CHECK(u2.lists[0].reused);
  CHECK_FALSE(u2.lists[4].reused);
  expect_same(*u2.catalog, bl::load_lists(c, opts()).index, queries, {kAll, kAdult | kGames});
}

TEST_CASE("catalog lookup equals the merged index: one list, half-length filter lines", "[catalog][lookup]") {
  TempDir d;
  std::mt19937_64 rng(GENERATE(4u, 5u));
  constexpr std::size_t kPool = 3000;
  cfg::Config c = base_config(d);
  cfg::ListFormat format{};
  const std::string path = d.file("only");
  write_file(path, random_list(rng, 20000, 30 * kPool, format));
  c.lists.push_back(make_list("only", "adult", path, false, format));
  const auto u = bl::ListCatalog::update(c, nullptr, opts());
  REQUIRE(u.lists[0].state == bl::ListState::ok);
  const bl::LoadedLists merged = bl::load_lists(c, opts());
  // One probe: the filter has no "which list" words, 8 bits per name like the merged index's
  // own (16 before: 20 KB more here, 1 MiB with a million names).
  CHECK(u.catalog->memory_bytes() <= merged.index.memory_bytes() + 8192);
  std::vector<std::string> queries = random_queries(rng, 4000, kPool);
  const auto big = random_queries(rng, 4000, 30 * kPool);
  queries.insert(queries.end(), big.begin(), big.end());
  expect_same(*u.catalog, merged.index, queries, {kAll, 0, kAdult, kGames});
}

TEST_CASE("catalog lookup equals the merged index: real lists", "[catalog][lookup][data]") {
  const std::string data = std::string(SPROUT_SHARED_DATA) + "/blocklists/";
  struct Real {
    const char* path;
    const char* category;
    bool allow;
  };
  const Real lists[] = {{"hagezi/doh-vpn-proxy-bypass.txt", "games", false},
                        {"blocklistproject/gambling.hosts", "games", false},
                        {"dnsbunker-cti/threats.rpz", "malware", false},
                        {"blocklistproject/drugs.adblock", "adult", false},
                        {"blocklistproject/fortnite.hosts", "games", false},
                        {"ut1/webmail.txt", "trusted", true},
                        {"ut1/shortener.txt", "adult", false},
                        {"blocklistproject/vaping.hosts", "malware", false}};
  TempDir d;
  cfg::Config c = base_config(d);
  std::vector<std::string> queries;
  for (const Real& r : lists) {
    const std::string path = data + r.path;
    if (!fs::exists(path)) continue;
    c.lists.push_back(make_list(r.path, r.category, path, r.allow));
    auto reader = bl::LineReader::open_file(path);
    std::size_t n = 0;
    bl::parse_list(reader, bl::Format::auto_detect, path, [&](std::string_view name, const bl::Rule&, std::size_t) {
      if (n++ % 4 != 0) return;  // a quarter of each list, as itself, a child and its parent
      queries.emplace_back(name);
      queries.push_back("www." + std::string(name));
      if (const auto dot = name.find('.'); dot != std::string_view::npos) queries.emplace_back(name.substr(dot + 1));
    });
  }
  if (c.lists.size() < 4) {
    WARN("shared data not found at " << data << ": skipped");
    return;
  }
  const auto u = bl::ListCatalog::update(c, nullptr, opts());
  const bl::LoadedLists merged = bl::load_lists(c, opts());
  for (std::size_t i = 0; i < u.lists.size(); ++i) CHECK(u.lists[i].entries == merged.lists[i].entries);
  expect_same(*u.catalog, merged.index, queries, {kAll, kAdult, kGames, kMalware, kAdult | kMalware});
}

TEST_CASE("catalog lookup: allowlists override blocks across lists", "[catalog][lookup]") {
  TempDir d;
  write_file(d.file("adult.txt"), "example.com\ntie.example.org\n");
  write_file(d.file("games.hosts"), "0.0.0.0 games.example.com\n");
  write_file(d.file("allow.txt"), "safe.example.com\ntie.example.org\n");
  write_file(d.file("exact.hosts"), "0.0.0.0 exact.example.com\n");
  write_file(d.file("rpz.zone"), "nodata.example.net CNAME *.\n*.wild.example.net CNAME .\n");
  cfg::Config c = base_config(d);
  c.lists.push_back(make_list("adult", "adult", d.file("adult.txt")));
  c.lists.push_back(make_list("games", "games", d.file("games.hosts")));
  c.lists.push_back(make_list("allow", "trusted", d.file("allow.txt"), true));
  c.lists.push_back(make_list("exact-allow", "trusted", d.file("exact.hosts"), true));
  c.lists.push_back(make_list("rpz", "malware", d.file("rpz.zone"), false, cfg::ListFormat::rpz));
  const auto u = bl::ListCatalog::update(c, nullptr, opts());
  const bl::ListCatalog& cat = *u.catalog;

  auto m = cat.lookup("x.safe.example.com", kAdult);
  CHECK(m.verdict == bl::Verdict::allow);
  CHECK(m.categories == kTrusted);
  CHECK(m.list == 2);
  CHECK(m.suffix == "safe.example.com");
  m = cat.lookup("example.com.", kAdult);
  CHECK(m.verdict == bl::Verdict::block);
  CHECK(m.list == 0);
  m = cat.lookup("games.example.com", kAdult | kGames);  // the most specific level decides
  CHECK(m.categories == kGames);
  CHECK(m.list == 1);
  m = cat.lookup("games.example.com", kAdult);  // games not blocked: the parent decides
  CHECK(m.categories == kAdult);
  CHECK(m.suffix == "example.com");
  CHECK(cat.lookup("exact.example.com", kAll).verdict == bl::Verdict::allow);
  CHECK(cat.lookup("a.exact.example.com", kAll).verdict == bl::Verdict::block);  // exact allow only
  m = cat.lookup("tie.example.org", kAll);  // allow wins a tie; the first list holding it is named
  CHECK(m.verdict == bl::Verdict::allow);
  CHECK(m.list == 0);
  CHECK(cat.lookup("nodata.example.net", kMalware).nodata);
  CHECK(cat.lookup("wild.example.net", kMalware).verdict == bl::Verdict::none);
  CHECK(cat.lookup("a.wild.example.net", kMalware).verdict == bl::Verdict::block);
  expect_same(cat, bl::load_lists(c, opts()).index,
              {"x.safe.example.com", "example.com", "games.example.com", "a.exact.example.com",
               "tie.example.org", "nodata.example.net", "a.wild.example.net", "other.org"},
              {kAll, kAdult, kGames, kMalware, 0});
}

TEST_CASE("catalog lookup does not allocate", "[catalog][lookup]") {
  TempDir d;
  cfg::Config c = base_config(d);
  for (int i = 0; i < 4; ++i) {  // small lists: the lookup group and its probes
    const std::string path = d.file("l" + std::to_string(i));
    write_file(path, "a" + std::to_string(i) + ".example\nshared.example\n");
    c.lists.push_back(make_list("l" + std::to_string(i), i % 2 ? "adult" : "games", path));
  }
  const auto u = bl::ListCatalog::update(c, nullptr, opts());
  const std::string longest(300, 'a');
  [[maybe_unused]] const std::size_t before = allocation_count();
  std::size_t blocked = 0;
  for (int round = 0; round < 100; ++round) {
    blocked += u.catalog->lookup("www.shared.example", kAll).verdict == bl::Verdict::block;
    blocked += u.catalog->lookup("x.y.z.a1.example.", kAll).verdict == bl::Verdict::block;
    blocked += u.catalog->lookup("miss.example.org", kAll).verdict == bl::Verdict::block;
    blocked += u.catalog->lookup(longest, kAll).verdict == bl::Verdict::block;
  }
#ifdef SPROUT_COUNT_ALLOCATIONS
  CHECK(allocation_count() == before);
#endif
  CHECK(blocked == 200);
  CHECK(u.catalog->memory_bytes() > 0);
  CHECK(u.catalog->size() == 8);
}
