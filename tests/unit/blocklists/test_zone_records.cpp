// ZoneRecords, the packed record store of a followed zone, against a std::set of the same
// lines: random inserts and erasures (table runs shifted back, the arena compacted), every
// owner's lines, the lines read back, and lines it cannot pack. Then its stored copy and
// IXFR journal: round trip, replay, torn and damaged journal tails, damaged and old copies.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <stdexcept>

#include "sprout/blocklists/zone_copy.hpp"
#include "sprout/blocklists/zone_records.hpp"

using sprout::blocklists::ZoneRecords;

namespace {

std::string lines_in(const std::set<std::string>& set, std::string_view owner) {
  std::string out = set.contains(std::string(owner)) ? std::string(owner) + "\n" : "";  // a line without a tab
  const std::string key = std::string(owner) + "\t";
  for (auto it = set.lower_bound(key); it != set.end() && it->starts_with(key); ++it) out += *it + "\n";
  return out;
}

std::multiset<std::string> split(const std::string& lines) {
  std::multiset<std::string> out;
  for (std::size_t at = 0, nl; (nl = lines.find('\n', at)) != std::string::npos; at = nl + 1) out.insert(lines.substr(at, nl - at));
  return out;
}

// Owners below the apex, the apex itself and one outside it; the four packed actions and others.
std::string random_line(std::mt19937& rng) {
  static const char* kOwners[] = {"n%.example.rpz.test.", "*.n%.example.rpz.test.", "rpz.test.", "n%.other.zone."};
  static const char* kRests[] = {"IN\tCNAME\t.", "IN\tCNAME\t*.", "IN\tCNAME\trpz-passthru.", "IN\tCNAME\trpz-drop.",
                                 "IN\tA\t192.0.2.%", "IN\tTXT\t\"a b%\"", ""};
  std::string owner = kOwners[rng() % 4];
  const std::string n = std::to_string(rng() % 400);
  if (auto p = owner.find('%'); p != std::string::npos) owner.replace(p, 1, n);
  std::string rest = kRests[rng() % 7];
  if (auto p = rest.find('%'); p != std::string::npos) rest.replace(p, 1, n);
  if (rng() % 50 == 0) return owner;  // no tab at all
  return owner + "\t" + rest;
}

}  // namespace

TEST_CASE("zone records: random inserts and erasures match a set of the same lines", "[transfer][records]") {
  for (unsigned seed : {1u, 2u, 3u}) {
    std::mt19937 rng(seed);
    ZoneRecords records("rpz.test.");
    std::set<std::string> set;
    for (int round = 0; round < 6; ++round) {
      // Even rounds mostly add, odd rounds mostly erase (down to half and below: compaction).
      for (int i = 0; i < 3000; ++i) {
        const std::string line = random_line(rng);
        const bool add = round % 2 == 0 ? rng() % 4 != 0 : rng() % 4 == 0;
        if (add) {
          REQUIRE(records.insert(line) == set.insert(line).second);
        } else {
          REQUIRE(records.erase(line) == (set.erase(line) == 1));
        }
      }
      if (round == 2) records.fit();
      INFO("seed " << seed << " round " << round);
      REQUIRE(records.size() == set.size());
      for (const std::string& line : set) REQUIRE(records.contains(line));
      std::set<std::string> back;
      records.for_each([&](std::string_view line) { back.insert(std::string(line)); });
      REQUIRE(back == set);
      for (int i = 0; i < 400; i += 7) {
        for (std::string owner : {"n" + std::to_string(i) + ".example.rpz.test.", "*.n" + std::to_string(i) + ".example.rpz.test.",
                                  std::string("rpz.test."), "n" + std::to_string(i) + ".other.zone."}) {
          std::string got;
          records.lines_of(owner, got);
          REQUIRE(split(got) == split(lines_in(set, owner)));
        }
      }
    }
  }
}

TEST_CASE("zone records: what packs and what does not", "[transfer][records]") {
  ZoneRecords records("rpz.test.");
  CHECK(records.insert("a.rpz.test.\tIN\tCNAME\t."));
  CHECK_FALSE(records.insert("a.rpz.test.\tIN\tCNAME\t."));
  CHECK(records.insert("A.rpz.test.\tIN\tCNAME\t."));  // the text as given: a different line
  CHECK(records.insert("xrpz.test.\tIN\tCNAME\t."));    // not below the apex: kept whole
  std::string got;
  records.lines_of("xrpz.test.", got);
  CHECK(got == "xrpz.test.\tIN\tCNAME\t.\n");
  got.clear();
  records.lines_of("test.", got);
  CHECK(got.empty());
  CHECK_FALSE(ZoneRecords::storable("a.rpz.test.\tIN\tTXT\t\x01"));
  CHECK_THROWS_AS(records.insert("a\nb"), std::invalid_argument);
  CHECK_FALSE(records.erase("a\x02.rpz.test.\tIN\tCNAME\t."));
  CHECK(records.size() == 3);
  ZoneRecords appended("rpz.test.");  // a bulk load: a line given twice is dropped at fit()
  records.for_each([&](std::string_view line) { appended.append(line); });
  appended.append("a.rpz.test.\tIN\tCNAME\t.");
  appended.fit();
  CHECK(appended == records);
  ZoneRecords other;  // no apex: every owner kept whole, the same lines
  records.for_each([&](std::string_view line) { other.insert(line); });
  CHECK(other == records);
  CHECK(records.memory_bytes() > 0);
}

// The stored copy of a transferred zone and its journal (zone_copy.hpp).
namespace {

struct CopyDir {
  std::string path;
  CopyDir() {
    char tmpl[] = "/tmp/sprout_zone_copyXXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~CopyDir() { std::filesystem::remove_all(path); }
  [[nodiscard]] std::string file(const std::string& name) const { return path + "/" + name; }
};

const std::string kSoa1 = "rpz.test.\tIN\tSOA\tns.invalid. h.invalid. 1 3600 600 86400 60";
const std::string kSoa2 = "rpz.test.\tIN\tSOA\tns.invalid. h.invalid. 2 3600 600 86400 60";
const std::string kSoa3 = "rpz.test.\tIN\tSOA\tns.invalid. h.invalid. 3 3600 600 86400 60";

ZoneRecords some_records(int n) {
  ZoneRecords r("rpz.test.");
  for (int i = 0; i < n; ++i) r.insert("n" + std::to_string(i) + ".example.rpz.test.\tIN\tCNAME\t.");
  r.insert("rpz.test.\tIN\tNS\tns.invalid.");
  r.insert("local.rpz.test.\tIN\tA\t192.0.2.1");
  return r;
}

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void put_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

}  // namespace

TEST_CASE("zone copy: written, read back whole, journal replayed, damage refused", "[transfer][records][copy]") {
  namespace bl = sprout::blocklists;
  CopyDir dir;
  const std::string path = dir.file("z.rpz");
  ZoneRecords records = some_records(500);
  std::string error;
  REQUIRE(bl::write_zone_copy(path, 1, kSoa1, records, error));
  auto back = bl::load_zone_copy(path, error);
  REQUIRE(back);
  CHECK(back->serial == 1);
  CHECK(back->soa == kSoa1);
  CHECK(back->records == records);
  // Read without its lookup table (the list loader only walks it): built on demand.
  CHECK_THROWS_AS(back->records.contains("n1.example.rpz.test.\tIN\tCNAME\t."), std::logic_error);
  back->records.fit();
  CHECK(back->records.contains("n1.example.rpz.test.\tIN\tCNAME\t."));
  CHECK(back->records.insert("n1000.example.rpz.test.\tIN\tCNAME\t."));
  CHECK(back->records.size() == records.size() + 1);

  // Two IXFRs journalled, then an entry from an older serial (skipped) and a torn tail.
  const std::vector<std::string> del1{"n1.example.rpz.test.\tIN\tCNAME\t."}, add1{"new.example.rpz.test.\tIN\tCNAME\t*."};
  const std::vector<std::string> del2{"new.example.rpz.test.\tIN\tCNAME\t*."}, add2{"n1.example.rpz.test.\tIN\tCNAME\trpz-passthru."};
  std::uint64_t journal = 0;
  REQUIRE(bl::append_zone_journal(path, {1, 2, kSoa2, del1, add1}, journal, error));
  const std::uint64_t after_one = journal;
  REQUIRE(bl::append_zone_journal(path, {2, 3, kSoa3, del2, add2}, journal, error));
  CHECK(journal > after_one);
  for (const auto& d : del1) records.erase(d);
  for (const auto& a : add1) records.insert(a);
  for (const auto& d : del2) records.erase(d);
  for (const auto& a : add2) records.insert(a);
  back = bl::load_zone_copy(path, error);
  REQUIRE(back);
  CHECK(back->serial == 3);
  CHECK(back->soa == kSoa3);
  CHECK(back->replayed == 2);
  CHECK(back->journal_problem.empty());
  CHECK(back->journal_bytes == journal);
  CHECK(back->records == records);

  SECTION("a torn journal tail is ignored, what came before it stands") {
    const std::string j = bytes_of(path + ".journal");
    put_bytes(path + ".journal", j.substr(0, j.size() - 5));
    back = bl::load_zone_copy(path, error);
    REQUIRE(back);
    CHECK(back->serial == 2);
    CHECK(back->replayed == 1);
    CHECK(back->journal_problem == "a torn journal tail");
    put_bytes(path + ".journal", j.substr(0, after_one + 3));
    back = bl::load_zone_copy(path, error);
    REQUIRE(back);
    CHECK(back->serial == 2);
    CHECK(back->journal_problem == "a torn journal tail");
  }
  SECTION("an altered journal entry stops the replay there") {
    std::string j = bytes_of(path + ".journal");
    j[after_one + 20] ^= 0x01;
    put_bytes(path + ".journal", j);
    back = bl::load_zone_copy(path, error);
    REQUIRE(back);
    CHECK(back->serial == 2);
    CHECK(back->journal_problem == "a damaged journal entry");
  }
  SECTION("a new copy drops the journal; entries older than the copy are skipped") {
    const std::string j = bytes_of(path + ".journal");
    REQUIRE(bl::write_zone_copy(path, 3, kSoa3, records, error));
    CHECK_FALSE(std::filesystem::exists(path + ".journal"));
    put_bytes(path + ".journal", j);  // as if the removal had not happened (a crash)
    back = bl::load_zone_copy(path, error);
    REQUIRE(back);
    CHECK(back->serial == 3);
    CHECK(back->replayed == 0);
    CHECK(back->journal_problem.empty());
    CHECK(back->records == records);
  }
  SECTION("a damaged copy, a truncated one, another version or the old text format: refused") {
    std::string c = bytes_of(path);
    std::string flipped = c;
    flipped[c.size() / 2] ^= 0x40;
    put_bytes(path, flipped);
    CHECK_FALSE(bl::load_zone_copy(path, error));
    CHECK(error == "stored copy damaged");
    put_bytes(path, c.substr(0, c.size() - 1));
    CHECK_FALSE(bl::load_zone_copy(path, error));
    std::string v2 = c;
    v2[8] = 2;
    put_bytes(path, v2);
    CHECK_FALSE(bl::load_zone_copy(path, error));
    CHECK(error == "stored copy of format version 2, this build reads 1");
    put_bytes(path, "; the last complete zone transferred by sproutdns, serial 1\n" + kSoa1 + "\n");
    CHECK_FALSE(bl::load_zone_copy(path, error));
    CHECK(error == "not a stored zone copy (an older format?)");
  }
}

// Not a test: `test_blocklists "[.bench_records]"` times 1M inserts, a copy written and read.
TEST_CASE("bench: a million packed zone records", "[.][bench_records]") {
  namespace bl = sprout::blocklists;
  using Clock = std::chrono::steady_clock;
  const auto ms = [](Clock::time_point t) { return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count(); };
  auto t = Clock::now();
  ZoneRecords records("rpz.test.");
  for (int i = 0; i < 1000000; ++i) records.insert("n" + std::to_string(i) + ".bench.example.rpz.test.\tIN\tCNAME\t.");
  records.fit();
  WARN("insert 1M: " << ms(t) << " ms, " << records.memory_bytes() / 1024 << " KiB");
  t = Clock::now();
  ZoneRecords appended("rpz.test.");
  for (int i = 0; i < 1000000; ++i) appended.append("n" + std::to_string(i) + ".bench.example.rpz.test.\tIN\tCNAME\t.");
  appended.fit();
  WARN("append 1M and fit: " << ms(t) << " ms, " << appended.memory_bytes() / 1024 << " KiB");
  CopyDir dir;
  std::string error;
  t = Clock::now();
  REQUIRE(bl::write_zone_copy(dir.file("z.rpz"), 1, kSoa1, records, error));
  WARN("write: " << ms(t) << " ms");
  t = Clock::now();
  auto back = bl::load_zone_copy(dir.file("z.rpz"), error);
  REQUIRE(back);
  WARN("read: " << ms(t) << " ms");
  t = Clock::now();
  back->records.fit();
  WARN("table: " << ms(t) << " ms");
}
