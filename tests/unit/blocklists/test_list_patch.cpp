// An index patched in place equals the index built from scratch over the same entries, and
// an RPZ piece patched with an IXFR's lines equals the piece a rebuild reads from the new zone.
#include "catalog_test_util.hpp"
#include "sprout/blocklists/list_patch.hpp"

#include <map>
#include <random>
#include <set>

using namespace catalog_test;
using bl::index_detail::Attr;

namespace {

using Entries = std::map<std::uint64_t, std::tuple<bl::CategorySet, bl::CategorySet, bl::CategorySet, std::uint8_t>>;

Entries entries_of(const bl::DomainIndex& index) {
  Entries out;
  index.for_each([&](std::uint64_t k, const Attr& a) { out[k] = {a.block_self, a.block_subtree, a.allow, a.flags}; });
  return out;
}

Attr attr(int kind) {
  Attr a;
  a.block_self = kind & 1 ? 1 : 0;
  a.block_subtree = kind & 2 ? 1 : 0;
  a.flags = kind & 4 ? bl::index_detail::kNodata : 0;
  if (a.block_self == 0 && a.block_subtree == 0) a.block_self = 1;
  return a;
}

bl::DomainIndex build(const std::map<std::uint64_t, int>& keys) {
  bl::IndexBuilder b(7);
  for (const auto& [k, kind] : keys) b.add_attr(k, attr(kind));
  return b.build(bl::BloomFilter::skip);
}

}  // namespace

TEST_CASE("a patched index holds what a build of the same entries holds, and finds every key", "[index][patch]") {
  std::mt19937_64 rng(GENERATE(1u, 2u, 3u));
  std::map<std::uint64_t, int> keys;
  // Keys crowded into a narrow range too, so runs of displaced slots form and shift.
  // Keys in their stored form (the index keeps 48 bits: stored_key), as the patch path gets them.
  for (int i = 0; i < 20000; ++i) keys[bl::stored_key(i % 3 ? rng() : (rng() >> 20))] = static_cast<int>(rng() % 8);
  bl::DomainIndex index = build(keys);
  for (int round = 0; round < 5; ++round) {
    std::vector<bl::KeyChange> changes;
    for (int i = 0; i < 300; ++i) {
      if (i % 3 == 0) {  // delete one we have
        auto it = keys.lower_bound(rng());
        if (it == keys.end()) it = keys.begin();
        changes.push_back({it->first, std::nullopt});
        keys.erase(it);
      } else if (i % 3 == 1) {  // add a new one (some next to existing keys)
        const std::uint64_t k = bl::stored_key(i % 2 ? rng() : keys.begin()->first + ((1 + (rng() & 0xff)) << 16));
        const int kind = static_cast<int>(rng() % 8);
        changes.push_back({k, attr(kind)});
        keys[k] = kind;
      } else {  // change the attributes of one we have
        auto it = keys.lower_bound(rng());
        if (it == keys.end()) it = keys.begin();
        it->second = (it->second + 1) % 8;
        changes.push_back({it->first, attr(it->second)});
      }
    }
    auto patched = index.patched(changes);
    REQUIRE(patched);
    const bl::DomainIndex rebuilt = build(keys);
    CHECK(patched->size() == keys.size());
    REQUIRE(entries_of(*patched) == entries_of(rebuilt));
    for (const auto& [k, kind] : keys) {
      const auto found = patched->find(k);
      REQUIRE(found);
      CHECK(found->block_self == attr(kind).block_self);
    }
    index = std::move(*patched);
  }
}

TEST_CASE("a patch that would overfill the table is refused (the caller rebuilds)", "[index][patch]") {
  std::map<std::uint64_t, int> keys;
  for (std::uint64_t k = 1; k <= 1000; ++k) keys[k * 0x9e3779b97f4a7c15ull] = 1;
  const bl::DomainIndex index = build(keys);
  std::vector<bl::KeyChange> many;
  for (std::uint64_t k = 1; k <= 200; ++k) many.push_back({k * 0x51afd7ed558ccd11ull, attr(1)});
  CHECK_FALSE(index.patched(many));
  many.resize(20);
  CHECK(index.patched(many));
  // A tiny table takes a few entries past its load (probes of a handful of slots).
  const bl::DomainIndex two = build({{11, 1}, {22, 2}});
  std::vector<bl::KeyChange> adds;
  for (std::uint64_t k = 1; k <= 15; ++k) adds.push_back({k * 0x51afd7ed558ccd11ull, attr(1)});
  CHECK(two.patched(adds));
  adds.push_back({99, attr(1)});
  adds.push_back({98, attr(1)});
  CHECK_FALSE(two.patched(adds));
  // Only indexes without a filter of their own (catalog pieces) are patched.
  bl::IndexBuilder b(7);
  b.add_attr(42, attr(1));
  CHECK_FALSE(b.build(bl::BloomFilter::build).patched(many));
}

TEST_CASE("an RPZ piece patched with an IXFR's lines equals the piece read from the new zone", "[catalog][patch]") {
  TempDir dir;
  const std::string soa = "rpz.test.\tIN\tSOA\tns.invalid. hostmaster.invalid. 1 3600 600 86400 60";
  std::set<std::string> zone;
  for (int i = 0; i < 3000; ++i) zone.insert("n" + std::to_string(i) + ".example.rpz.test.\tIN\tCNAME\t.");
  zone.insert("*.wild.example.rpz.test.\tIN\tCNAME\t.");
  zone.insert("wild.example.rpz.test.\tIN\tCNAME\t*.");
  zone.insert("pass.n5.example.rpz.test.\tIN\tCNAME\trpz-passthru.");
  zone.insert("local.example.rpz.test.\tIN\tA\t192.0.2.1");  // local data: unsupported
  const auto write_zone = [&](const std::string& path) {
    std::string text = soa + "\n";
    for (const auto& r : zone) text += r + "\n";
    write_file(path, text);
  };
  cfg::Config c = base_config(dir);
  c.lists = {make_list("rpz", "adult", dir.file("zone.rpz"), false, cfg::ListFormat::rpz)};
  write_zone(dir.file("zone.rpz"));
  auto before = bl::ListCatalog::update(c, nullptr, opts());
  const auto base = before.catalog->piece(0);
  REQUIRE(base);
  REQUIRE(base->usable());

  // Deleted: a plain name, the wildcard half of a name kept exact, the local data; added: a
  // new name, a wildcard for an existing one, a passthru; one deleted and added back.
  const std::vector<std::string> deleted{"n1.example.rpz.test.\tIN\tCNAME\t.", "*.wild.example.rpz.test.\tIN\tCNAME\t.",
                                         "local.example.rpz.test.\tIN\tA\t192.0.2.1"};
  const std::vector<std::string> added{"fresh.example.rpz.test.\tIN\tCNAME\t.", "*.n2.example.rpz.test.\tIN\tCNAME\t.",
                                       "n3.example.rpz.test.\tIN\tCNAME\trpz-passthru."};
  for (const auto& d : deleted) zone.erase(d);
  for (const auto& a : added) zone.insert(a);
  write_zone(dir.file("zone2.rpz"));
  const auto lines_of = [&](std::string_view owner, std::string& out) {
    const std::string key = std::string(owner) + "\t";
    for (auto it = zone.lower_bound(key); it != zone.end() && it->starts_with(key); ++it) out += *it + "\n";
  };
  const bl::RpzChange change{soa, deleted, added, lines_of};
  const auto patched = bl::patch_rpz_piece(*base, c.lists[0], change, bl::stored_identity(c.lists[0], dir.file("zone2.rpz")));
  REQUIRE(patched);

  cfg::Config c2 = c;
  c2.lists[0].source = dir.file("zone2.rpz");
  auto rebuilt = bl::ListCatalog::update(c2, nullptr, opts());
  const auto& fresh = rebuilt.catalog->piece(0);
  CHECK(entries_of(patched->table()) == entries_of(fresh->table()));
  CHECK(patched->stats().entries == fresh->stats().entries);
  CHECK(patched->stats().unsupported == fresh->stats().unsupported);

  // A catalog update offered the patched piece serves it without reading the zone again.
  bl::LoadOptions o = opts();
  o.offered = {patched};
  write_zone(dir.file("zone.rpz"));  // the copy the identity names is rewritten: not reused
  auto stale = bl::ListCatalog::update(c, before.catalog.get(), o);
  CHECK(stale.catalog->piece(0) != patched);
  c2.lists[0].source = dir.file("zone.rpz");
  const auto id_now = bl::stored_identity(c2.lists[0], dir.file("zone.rpz"));
  const auto patched_now = bl::patch_rpz_piece(*base, c2.lists[0], change, id_now);
  o.offered = {patched_now};
  auto used = bl::ListCatalog::update(c2, before.catalog.get(), o);
  CHECK(used.catalog->piece(0) == patched_now);
  CHECK(used.lists[0].reused);
  CHECK(used.catalog->lookup("fresh.example", kAll).verdict == bl::Verdict::block);
  CHECK(used.catalog->lookup("n1.example", kAll).verdict == bl::Verdict::none);
  CHECK(used.catalog->lookup("a.wild.example", kAll).verdict == bl::Verdict::none);
  CHECK(used.catalog->lookup("wild.example", kAll).verdict == bl::Verdict::block);
  CHECK(used.catalog->lookup("x.n2.example", kAll).verdict == bl::Verdict::block);
  CHECK(used.catalog->lookup("n3.example", kAll).verdict == bl::Verdict::allow);
}
