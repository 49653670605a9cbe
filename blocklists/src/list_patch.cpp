// An RPZ piece patched by an IXFR's changed lines (see list_patch.hpp).
#include "sprout/blocklists/list_patch.hpp"

#include "list_sources.hpp"
#include "sprout/config/config.hpp"

#include <set>

namespace sprout::blocklists {
namespace {

struct Parsed {
  DomainIndex table;
  ParseStats stats;
};

// The lines after the SOA (which gives the parser the apex to strip), as a piece would hold them.
Parsed parse_rpz(std::string_view soa, const std::string& lines, const config::List& list, std::uint64_t seed) {
  const std::string text = std::string(soa) + "\n" + lines;
  LineReader reader = LineReader::from_text(text);
  IndexBuilder builder(seed);
  Parsed p;
  p.stats = add_entries(builder, reader, Format::rpz, list.name, list.allow);
  p.table = builder.build(BloomFilter::skip);
  return p;
}

std::string joined(std::span<const std::string> lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

// The owners whose names the changed lines decide: each line's owner and its wildcard twin
// (`*.a.` and `a.` both hold rules for the name a).
std::set<std::string> touched_owners(std::span<const std::string> deleted, std::span<const std::string> added) {
  std::set<std::string> owners;
  for (auto lines : {deleted, added}) {
    for (const std::string& l : lines) {
      const std::string owner = l.substr(0, l.find('\t'));
      owners.insert(owner);
      owners.insert(owner.starts_with("*.") ? owner.substr(2) : "*." + owner);
    }
  }
  return owners;
}

void subtract(ParseStats& s, const ParseStats& gone, const ParseStats& came) {
  const auto net = [](std::size_t& v, std::size_t minus, std::size_t plus) { v = v + plus >= minus ? v + plus - minus : 0; };
  net(s.entries, gone.entries, came.entries);
  net(s.invalid, gone.invalid, came.invalid);
  net(s.unsupported, gone.unsupported, came.unsupported);
  net(s.ip_entries, gone.ip_entries, came.ip_entries);
  net(s.ignored, gone.ignored, came.ignored);
  net(s.lines, gone.lines, came.lines);  // both counted the SOA line once
}

}  // namespace

std::shared_ptr<const ListPiece> patch_rpz_piece(const ListPiece& base, const config::List& list,
                                                 const RpzChange& change, ListIdentity identity) {
  const DomainIndex& table = base.table();
  if (!base.usable() || base.stats().format != Format::rpz || table.size() == 0 || !change.lines_of) return nullptr;
  const std::uint64_t seed = table.seed();
  const Parsed gone = parse_rpz(change.soa, joined(change.deleted), list, seed);
  const Parsed came = parse_rpz(change.soa, joined(change.added), list, seed);
  std::string now_lines;
  for (const std::string& owner : touched_owners(change.deleted, change.added)) change.lines_of(owner, now_lines);
  const Parsed now = parse_rpz(change.soa, now_lines, list, seed);
  std::vector<KeyChange> changes;
  const auto note = [&](std::uint64_t key, const index_detail::Attr&) { changes.push_back({key, now.table.find(key)}); };
  gone.table.for_each(note);
  came.table.for_each(note);  // a key in both is set twice to the same attributes
  auto patched = table.patched(changes);
  if (!patched) return nullptr;
  ParseStats stats = base.stats();
  subtract(stats, gone.stats, came.stats);
  if (stats.entries == 0) return nullptr;  // a rebuild says why the zone holds no rules
  return std::make_shared<const ListPiece>(std::move(identity), std::move(*patched), std::move(stats), std::string{}, true);
}

}  // namespace sprout::blocklists
