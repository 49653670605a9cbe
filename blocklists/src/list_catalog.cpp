// ListCatalog: update (reuse or build each list's piece), the lookup over the pieces behind
// one filter, and flattening into one DomainIndex (see list_catalog.hpp).
//
// Why pieces: a merged index must be copied whole to change one list (twice the memory
// during a reload, every list re-read); a per-list piece changes alone. But K pieces probed
// one by one cost K cache misses per suffix where the merged index costs one (measured with
// tests/bench/bench_index: +50% per blocked lookup with 5 lists). So the catalog keeps one
// filter over all pieces, one 64-byte line per key: words 0-3 say whether any piece may
// hold the key (the blocked Bloom filter of DomainIndex, 8 bits per name), words 4-7 which
// ones (3 bits per name, keyed by the piece's probe number). A suffix no list holds, nearly
// every suffix of nearly every query, costs one cached line as before; one a list holds
// costs the line plus that list's table, as before. 16 bits per name: 1 byte more than the
// merged index, where a merged lookup index next to the pieces would be a second copy.
// Denser lines (12 or 10 bits per name) measured slower on misses; smaller lists are merged
// into one group (build_small_group) so that many of them cost one probe. With one probe
// only, the lines are words 0-3 alone (line_words): 8 bits per name, as the merged index.
#include "sprout/blocklists/list_catalog.hpp"

#include "index_rules.hpp"
#include "list_sources.hpp"
#include "sprout/blocklists/domain_hash.hpp"
#include "sprout/blocklists/wide_mul.hpp"
#include "sprout/config/config.hpp"

#include <algorithm>
#include <optional>
#include <utility>

namespace sprout::blocklists {

using index_detail::Attr;
using index_detail::Slot;

namespace {

constexpr std::size_t kLineWords = 8;
constexpr std::size_t kAnyWords = 4;  // words 0-3 of a line
constexpr std::size_t kMaxNamed = 16;
constexpr std::size_t kNamesPerLine = 32;  // 512 bits: 16 per name

// With one probe, words 4-7 (which probes may hold a key) say nothing its table does not:
// the lines are then words 0-3 only, 8 bits per name (a single list of 1M names: 1 MiB
// less resident, issue 12 item 6).
[[nodiscard]] std::size_t line_words(std::size_t probes) noexcept { return probes > 1 ? kLineWords : kAnyWords; }

[[nodiscard]] std::size_t filter_line(std::uint64_t key, std::size_t lines) noexcept {
  return scale_to_range(key, lines);
}
// Words 0-3: any piece (key bits 16-29 pick the word and the bits, as
// index_detail::filter_bits; the low 16 bits of a key are zero).
[[nodiscard]] std::size_t any_word(std::uint64_t key) noexcept { return (key >> 28) & 3; }
// Words 4-7: the three bits of (key, probe), from the high bits of a multiply of both.
[[nodiscard]] std::uint64_t owner_base(std::uint64_t key) noexcept { return (key >> 16) * 0xff51afd7ed558ccdull; }
[[nodiscard]] std::uint64_t owner_hash(std::uint64_t base, std::size_t probe) noexcept {
  const unsigned r = static_cast<unsigned>(probe * 7) & 63;  // 7 is odd: 64 distinct rotations
  return r == 0 ? base : (base << r) | (base >> (64 - r));
}
[[nodiscard]] std::size_t owner_word(std::uint64_t h) noexcept { return 4 + (h >> 62); }
[[nodiscard]] std::uint64_t owner_bits(std::uint64_t h) noexcept {
  return (std::uint64_t{1} << ((h >> 56) & 63)) | (std::uint64_t{1} << ((h >> 50) & 63)) |
         (std::uint64_t{1} << ((h >> 44) & 63));
}

// Probes the `n` named pieces for `key` (n is reset), folding what they hold into `at`;
// returns whether any piece held it so far.
bool probe_named(const index_detail::PieceProbe* const* named, std::size_t& n, std::uint64_t key, Attr& at,
                 bool held) noexcept {
  for (std::size_t j = 0; j < n; ++j) {
    const Slot* s = index_detail::find_slot(named[j]->slots, named[j]->home_range, key);
    if (s == nullptr) continue;
    at = held ? index_detail::merged(at, named[j]->attrs[s->value()]) : named[j]->attrs[s->value()];
    held = true;
  }
  n = 0;
  return held;
}

// Position of the list's category in config.categories (its bit), or nothing.
std::optional<std::size_t> category_bit(const config::Config& cfg, const std::string& name) {
  for (std::size_t i = 0; i < cfg.categories.size() && i < kMaxCategories; ++i) {
    if (cfg.categories[i].name == name) return i;
  }
  return std::nullopt;
}

// Pieces are hashed with the catalog's seed, so reuse needs the same seed.
std::uint64_t pick_seed(const LoadOptions& options, std::span<const ListCatalog* const> previous) {
  if (options.seed != 0) return options.seed;
  for (const ListCatalog* p : previous) {
    if (p != nullptr && p->seed() != 0) return p->seed();
  }
  return IndexBuilder::random_seed();
}

ListStatus initial_status(const config::List& list) {
  ListStatus s;
  s.name = list.name;
  s.category = list.category;
  s.source = list.source;
  s.allow = list.allow;
  s.format = from_config(list.format);
  return s;
}

}  // namespace

ListPiece::ListPiece(ListIdentity identity, DomainIndex table, ParseStats stats, std::string error,
                     bool reusable)
    : identity_(std::move(identity)),
      table_(std::move(table)),
      stats_(std::move(stats)),
      error_(std::move(error)),
      reusable_(reusable),
      built_at_(std::chrono::system_clock::now()) {}

CatalogUpdate ListCatalog::update(const config::Config& cfg, const ListCatalog* previous,
                                  const LoadOptions& options) {
  const ListCatalog* one[] = {previous};
  return update(cfg, std::span<const ListCatalog* const>(one, previous != nullptr ? 1 : 0), options);
}

CatalogUpdate ListCatalog::update(const config::Config& cfg, std::span<const ListCatalog* const> previous,
                                  const LoadOptions& options) {
  CatalogUpdate u;
  ListCatalog cat = build(cfg, previous, options, u.lists);
  cat.finish();
  u.catalog = std::make_shared<const ListCatalog>(std::move(cat));
  return u;
}

ListCatalog ListCatalog::build(const config::Config& cfg, std::span<const ListCatalog* const> previous,
                               const LoadOptions& options, std::vector<ListStatus>& statuses) {
  ListCatalog cat;
  cat.seed_ = pick_seed(options, previous);
  PieceReuse reuse;
  for (const PiecePtr& p : options.offered) {
    if (p && p->table().seed() == cat.seed_) reuse.offer(p);
  }
  for (const ListCatalog* p : previous) {
    if (p == nullptr || p->seed_ != cat.seed_) continue;
    for (const Entry& e : p->entries_) reuse.offer(e.piece);
  }
  const SourceContext ctx{cfg, options, cat.seed_, reuse};
  statuses.clear();
  statuses.reserve(cfg.lists.size());
  cat.entries_.reserve(cfg.lists.size());
  for (std::size_t i = 0; i < cfg.lists.size(); ++i) {
    const config::List& list = cfg.lists[i];
    ListStatus& s = statuses.emplace_back(initial_status(list));
    const auto bit = category_bit(cfg, list.category);
    if (!bit || i >= kNoList) {
      s.error = !bit ? "unknown category '" + list.category + "' (or beyond the 64th)" : "too many lists";
      cat.add(nullptr, 0, kNoList);
      continue;
    }
    PiecePtr piece = load_list(s, list, ctx);
    reuse.offer(piece);  // the same content configured twice is parsed once
    cat.add(std::move(piece), CategorySet{1} << *bit, static_cast<ListId>(i));
  }
  return cat;
}

// Maps the piece's canonical attributes (category bit 0, ListId 0) onto this list.
void ListCatalog::add(std::shared_ptr<const ListPiece> piece, CategorySet category, ListId id) {
  Entry& e = entries_.emplace_back();
  e.piece = std::move(piece);
  if (!e.piece || !e.piece->usable()) return;
  const std::vector<Attr>& canonical = e.piece->table().attrs_;
  e.attrs.reserve(canonical.size());
  for (const Attr& a : canonical) {
    Attr r = a;
    r.block_self = a.block_self != 0 ? category : 0;
    r.block_subtree = a.block_subtree != 0 ? category : 0;
    r.allow = a.allow != 0 ? category : 0;
    r.list = id;
    e.attrs.push_back(r);
  }
}

// Merges the smallest pieces into small_group_ and says which entries it holds. Bounded
// (kSmallPiece names each, a thirty-second of all names together) so that rebuilding it is
// quick and the copy it keeps of those entries stays a few percent of the catalog.
std::vector<bool> ListCatalog::build_small_group() {
  constexpr std::size_t kSmallPiece = 16384;
  std::vector<std::size_t> order;
  std::size_t total = 0;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    if (!e.piece || !e.piece->usable() || e.piece->table().size() == 0) continue;
    total += e.piece->table().size();
    if (e.piece->table().size() <= kSmallPiece) order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) {
    return entries_[a].piece->table().size() < entries_[b].piece->table().size();
  });
  std::vector<bool> grouped(entries_.size(), false);
  const std::size_t budget = std::max(kSmallPiece, total / 32);
  std::size_t names = 0, members = 0;
  for (std::size_t i : order) {
    names += entries_[i].piece->table().size();
    if (names > budget) break;
    grouped[i] = true;
    ++members;
  }
  if (members < 2) return std::vector<bool>(entries_.size(), false);  // nothing to gain
  IndexBuilder builder(seed_);
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (!grouped[i]) continue;
    const DomainIndex& t = entries_[i].piece->table();
    const Slot* s = t.slots();
    for (std::size_t j = 0; j < t.slot_count(); ++j) {
      if (s[j].key() != 0) builder.add_attr(s[j].key(), entries_[i].attrs[s[j].value()]);
    }
  }
  small_group_ = builder.build(BloomFilter::skip);
  return grouped;
}

// The probes (each big piece alone, the small ones as one group) and the catalog's filter.
void ListCatalog::finish() {
  const auto probe_of = [](const DomainIndex& t, const Attr* attrs) {
    return index_detail::PieceProbe{t.slots(), t.home_range_, attrs, t.slot_count()};
  };
  const std::vector<bool> grouped = build_small_group();
  probes_.clear();
  names_ = 0;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    if (!e.piece || !e.piece->usable() || e.piece->table().size() == 0) continue;
    names_ += e.piece->table().size();
    if (!grouped[i]) probes_.push_back(probe_of(e.piece->table(), e.attrs.data()));
  }
  if (small_group_.size() > 0) probes_.push_back(probe_of(small_group_, small_group_.attrs_.data()));
  probes_.shrink_to_fit();
  build_filter();
}

void ListCatalog::build_filter() {
  filter_lines_ = std::max<std::size_t>(1, (names_ + kNamesPerLine - 1) / kNamesPerLine);
  filter_ = PageBuffer{};
  const std::size_t lw = line_words(probes_.size());
  filter_.resize(filter_lines_ * lw * sizeof(std::uint64_t));  // fresh pages are zero
  auto* words = static_cast<std::uint64_t*>(filter_.data());
  for (std::size_t p = 0; p < probes_.size(); ++p) {
    const index_detail::PieceProbe& probe = probes_[p];
    for (std::size_t i = 0; i < probe.slot_count; ++i) {
      const std::uint64_t k = probe.slots[i].key();
      if (k == 0) continue;
      std::uint64_t* line = words + filter_line(k, filter_lines_) * lw;
      line[any_word(k)] |= index_detail::filter_bits(k);
      if (lw == kAnyWords) continue;
      const std::uint64_t h = owner_hash(owner_base(k), p);
      line[owner_word(h)] |= owner_bits(h);
    }
  }
}

Match ListCatalog::lookup(std::string_view name, CategorySet blocked) const noexcept {
  Match m;
  if (probes_.empty()) return m;
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  const auto* words = static_cast<const std::uint64_t*>(filter_.data());
  const std::size_t lines = filter_lines_;
  SuffixKeys sk;
  // Filter lines are prefetched as the keys come out, so their misses overlap.
  const std::size_t lw = line_words(probes_.size());
  const auto prefetch = [words, lines, lw](std::uint64_t k) { __builtin_prefetch(words + filter_line(k, lines) * lw); };
  if (!suffix_keys(name, seed_, sk, prefetch)) return m;
  for (std::size_t i = sk.levels; i-- > 0;) {  // most specific first
    const std::uint64_t key = sk.key[i];
    const std::uint64_t* line = words + filter_line(key, lines) * lw;
    const std::uint64_t bits = index_detail::filter_bits(key);
    if ((line[any_word(key)] & bits) != bits) continue;
    Attr at;
    bool held = false;
    // Only the pieces the line names, their slots prefetched together so that a false
    // owner adds no latency to the true one.
    const index_detail::PieceProbe* named[kMaxNamed];
    std::size_t n = 0;
    const std::uint64_t base = owner_base(key);
    for (std::size_t p = 0; p < probes_.size(); ++p) {
      const std::uint64_t h = owner_hash(base, p);
      const std::uint64_t ob = owner_bits(h);
      if (lw == kLineWords && (line[owner_word(h)] & ob) != ob) continue;
      __builtin_prefetch(probes_[p].slots + index_detail::home_slot(key, probes_[p].home_range));
      named[n++] = &probes_[p];
      if (n == kMaxNamed) held = probe_named(named, n, key, at, held);
    }
    held = probe_named(named, n, key, at, held);
    if (held && index_detail::decide(at, i == sk.levels - 1, blocked, m)) {
      m.suffix = name.substr(sk.start[i]);
      return m;
    }
  }
  return m;
}

const std::shared_ptr<const ListPiece>& ListCatalog::piece(ListId id) const noexcept {
  static const std::shared_ptr<const ListPiece> kNone;
  return id < entries_.size() ? entries_[id].piece : kNone;
}

std::size_t ListCatalog::memory_bytes() const noexcept {
  std::size_t bytes = sizeof(*this) + filter_.bytes() + probes_.capacity() * sizeof(index_detail::PieceProbe) +
                      entries_.capacity() * sizeof(Entry) + small_group_.memory_bytes();
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    bytes += e.attrs.capacity() * sizeof(Attr);
    bool seen = e.piece == nullptr;
    for (std::size_t j = 0; j < i && !seen; ++j) seen = entries_[j].piece == e.piece;
    if (!seen) bytes += sizeof(ListPiece) + e.piece->table().memory_bytes();
  }
  return bytes;
}

// Piece by piece, smallest first, each freed once copied (unless another catalog shares
// it): the peak is all pieces plus a copy of the one being merged, and the biggest comes
// last, when the others are gone. (Merging the sorted pieces in key order would spare the
// builder's sort but holds every piece until the end: measured 1.4x this peak.)
DomainIndex ListCatalog::flatten() && {
  const auto names = [this](std::size_t i) {
    const Entry& e = entries_[i];
    return e.piece && e.piece->usable() ? e.piece->table().size() : 0;
  };
  std::vector<std::size_t> order(entries_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return names(a) < names(b); });
  IndexBuilder builder(seed_);
  probes_.clear();
  filter_ = PageBuffer{};
  small_group_ = DomainIndex{};
  for (std::size_t i : order) {
    Entry& e = entries_[i];
    if (names(i) > 0) {
      const DomainIndex& t = e.piece->table();
      const Slot* s = t.slots();
      for (std::size_t j = 0; j < t.slot_count(); ++j) {
        if (s[j].key() != 0) builder.add_attr(s[j].key(), e.attrs[s[j].value()]);
      }
    }
    e.piece.reset();
    e.attrs = {};
  }
  entries_.clear();
  names_ = 0;
  return builder.build();
}

}  // namespace sprout::blocklists
