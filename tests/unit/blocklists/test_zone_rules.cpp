// parse_zone_copy, which indexes a stored zone copy from its packed records, against the RPZ
// text parser run over the same zone as text: on random zones holding every action kind
// (exact and subtree) and records the packed path leaves to the parser, the same rules in
// the same order with the same line numbers, the same counts, and the same index.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "sprout/blocklists/domain_index.hpp"
#include "sprout/blocklists/list_format.hpp"
#include "sprout/blocklists/zone_copy.hpp"

namespace bl = sprout::blocklists;

namespace {

using Emitted = std::tuple<std::string, bool, int, bool, std::size_t>;  // name, allow, cover, nodata, line

struct Result {
  std::vector<Emitted> rules;
  std::map<std::uint64_t, std::tuple<bl::CategorySet, bl::CategorySet, bl::CategorySet, std::uint8_t>> index;
  bl::ParseStats stats;
};

// The rules `parse` gives, and the index an IndexBuilder makes of them (as the list loader does).
template <class Parse>
Result run(Parse&& parse) {
  Result r;
  bl::IndexBuilder builder(42);
  r.stats = parse([&](std::string_view name, const bl::Rule& rule, std::size_t line) {
    r.rules.emplace_back(std::string(name), rule.allow, static_cast<int>(rule.cover), rule.nodata, line);
    builder.add(name, rule, bl::CategorySet{1}, bl::ListId{0});
  });
  const bl::DomainIndex index = builder.build(bl::BloomFilter::skip);
  index.for_each([&](std::uint64_t k, const bl::index_detail::Attr& a) { r.index[k] = {a.block_self, a.block_subtree, a.allow, a.flags}; });
  return r;
}

std::string fill(std::string pattern, int n) {
  const auto at = pattern.find('%');
  if (at != std::string::npos) pattern.replace(at, 1, std::to_string(n));
  return pattern;
}

// Mostly what a transfer stores (lowercase owners below the apex, the four actions), and
// what the packed path must leave to the parser: the apex, owners outside it or not
// normalized, non-QNAME triggers, addresses, bad names, redirects and local data.
std::string random_line(std::mt19937& rng) {
  static const char* kOwners[] = {"n%.example.rpz.test.", "*.n%.example.rpz.test.", "n%.rpz.test.", "*.n%.rpz.test.",
                                  "rpz.test.", "n%.other.zone.", "N%.Upper.rpz.test.", "x_%.a-b.rpz.test.",
                                  "32.%.2.0.192.rpz-ip.rpz.test.", "*.n%.rpz-nsdname.rpz.test.", "%.2.3.4.rpz.test.",
                                  "bad..n%.rpz.test.", "*.rpz.test.", "n%.*.rpz.test."};
  static const char* kRests[] = {"IN\tCNAME\t.", "IN\tCNAME\t*.", "IN\tCNAME\trpz-passthru.", "IN\tCNAME\trpz-drop.",
                                 "IN\tCNAME\t.", "IN\tCNAME\t*.", "IN\tCNAME\trpz-passthru.", "IN\tCNAME\trpz-drop.",
                                 "IN\tCNAME\twalled.garden.", "IN\tA\t192.0.2.%", "IN\tTXT\t\"a b%\"", "IN\tCNAME\tRPZ-PASSTHRU."};
  std::uniform_int_distribution<int> owner(0, std::size(kOwners) - 1), rest(0, std::size(kRests) - 1), n(0, 300);
  const int k = n(rng);
  return fill(kOwners[owner(rng)], k) + "\t" + fill(kRests[rest(rng)], k);
}

bl::ZoneCopy random_copy(std::mt19937& rng, std::string soa, std::size_t count) {
  bl::ZoneCopy copy;
  copy.soa = std::move(soa);
  copy.records = bl::ZoneRecords("rpz.test.");
  for (std::size_t i = 0; i < count; ++i) copy.records.insert(random_line(rng));
  return copy;
}

void same(const Result& packed, const Result& text) {
  CHECK(packed.rules == text.rules);
  CHECK(packed.index == text.index);
  CHECK(packed.stats.lines == text.stats.lines);
  CHECK(packed.stats.entries == text.stats.entries);
  CHECK(packed.stats.invalid == text.stats.invalid);
  CHECK(packed.stats.unsupported == text.stats.unsupported);
  CHECK(packed.stats.ip_entries == text.stats.ip_entries);
  CHECK(packed.stats.ignored == text.stats.ignored);
  CHECK(packed.stats.first_errors == text.stats.first_errors);
}

Result text_path(const bl::ZoneCopy& copy) {
  std::string text = copy.soa + "\n";
  copy.records.for_each([&](std::string_view line) { (text += line) += '\n'; });
  return run([&](const bl::RuleSink& sink) { return bl::parse_text(text, bl::Format::rpz, sink); });
}

Result packed_path(const bl::ZoneCopy& copy) {
  return run([&](const bl::RuleSink& sink) { return bl::parse_zone_copy(copy, "<text>", sink); });
}

}  // namespace

TEST_CASE("zone copy: the index from the packed records equals the one from the zone text", "[zone_rules]") {
  std::mt19937 rng(GENERATE(1u, 2u, 3u, 4u));
  const auto copy = random_copy(rng, "rpz.test.\tIN\tSOA\tns.invalid. h.invalid. 7 3600 600 86400 60", 3000);
  const Result packed = packed_path(copy);
  same(packed, text_path(copy));
  // Every action kind, exact and subtree, was indexed (from the packed path).
  std::map<std::tuple<bool, int, bool>, int> kinds;
  for (const auto& [name, allow, cover, nodata, line] : packed.rules) ++kinds[{allow, cover, nodata}];
  CHECK(kinds.size() == 6);  // {block, nodata, allow} x {exact, subtree}
  CHECK(packed.stats.unsupported > 0);
  CHECK(packed.stats.invalid > 0);
  CHECK(packed.stats.ip_entries > 0);
  CHECK(packed.stats.ignored > 0);
}

TEST_CASE("zone copy: an SOA not written for the records' apex: every record through the parser", "[zone_rules]") {
  std::mt19937 rng(7);
  // The apex in capitals with a TTL, and an SOA for another zone: names the parser strips or not.
  for (const char* soa : {"RPZ.TEST. 3600 IN SOA ns.invalid. h.invalid. 7 3600 600 86400 60",
                          "other.zone.\tIN\tSOA\tns.invalid. h.invalid. 7 3600 600 86400 60", "rpz.test.\tIN\tA\t192.0.2.1"}) {
    const auto copy = random_copy(rng, soa, 500);
    same(packed_path(copy), text_path(copy));
  }
}
