// DomainIndex: a compact hash table of normalized names (hash -> interned category/flag
// tuple) for one list, a merged set of lists or a profile's overrides; IndexBuilder fills it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "sprout/blocklists/domain_hash.hpp"
#include "sprout/blocklists/page_buffer.hpp"
#include "sprout/blocklists/wide_mul.hpp"

namespace sprout::blocklists {

using CategorySet = std::uint64_t;  // bit i = config.categories[i]
using ListId = std::uint16_t;       // index into config.lists
inline constexpr ListId kNoList = 0xffff;
inline constexpr std::size_t kMaxCategories = 64;

enum class Cover : std::uint8_t { exact, subtree, exact_and_subtree };
enum class Verdict : std::uint8_t { none, allow, block };

// What one list line says about one name.
struct Rule {
  bool allow = false;
  Cover cover = Cover::exact_and_subtree;
  bool nodata = false;  // RPZ `CNAME *.`: answer NODATA instead of NXDOMAIN
};

struct Match {
  Verdict verdict = Verdict::none;
  bool nodata = false;
  CategorySet categories = 0;  // block: masked by `blocked`; allow: the allowlist's
  ListId list = kNoList;       // first list (in config order) holding the entry
  std::string_view suffix;     // the matched suffix of the looked-up name
};

namespace index_detail {

// 8-byte slot: the key (its high 48 bits, see kKeyMask in domain_hash.hpp) and the
// number of its attribute tuple (the low 16 bits) in one word; 0 is an empty slot.
// (12-byte slots with the whole 64-bit key cost 4.6 MiB more with a million names.)
inline constexpr std::size_t kMaxAttrs = std::size_t{1} << 16;
struct Slot {
  std::uint64_t word = 0;
  [[nodiscard]] std::uint64_t key() const noexcept { return word & kKeyMask; }
  [[nodiscard]] std::uint32_t value() const noexcept { return static_cast<std::uint32_t>(word & ~kKeyMask); }
};
static_assert(sizeof(Slot) == 8);

enum AttrFlag : std::uint8_t { kAllowSelf = 1, kAllowSubtree = 2, kNodata = 4 };

struct Attr {
  CategorySet block_self = 0;     // categories blocking the name itself
  CategorySet block_subtree = 0;  // categories blocking its strict subdomains
  CategorySet allow = 0;          // categories of allowlists holding it
  ListId list = kNoList;
  std::uint8_t flags = 0;
  auto tie() const { return std::tie(block_self, block_subtree, allow, list, flags); }
  bool operator<(const Attr& o) const { return tie() < o.tie(); }
};

// Probe of a table in sorted Robin Hood layout (see domain_index.cpp): home slot of a key.
[[nodiscard]] inline std::size_t home_slot(std::uint64_t key, std::size_t home_range) noexcept {
  return scale_to_range(key, home_range);
}
// The slot holding `key`, or null; the table ends with an empty slot, so this terminates.
[[nodiscard]] inline const Slot* find_slot(const Slot* slots, std::size_t home_range,
                                           std::uint64_t key) noexcept {
  const Slot* s = slots + home_slot(key, home_range);
  while (true) {
    const std::uint64_t k = s->key();
    if (k == key) return s;
    if (k == 0 || k > key) return nullptr;
    ++s;
  }
}

// Blocked Bloom filter, 8 bits per name, 2 bits in one 64-bit word: most suffixes of a
// query miss, and the filter answers them from cache without touching the big table. The
// bits come from key bits 16-27 (the low 16 are zero), the word from the top ones.
[[nodiscard]] inline std::size_t filter_words_for(std::size_t names) noexcept {
  return names == 0 ? 1 : (names + 7) / 8;
}
[[nodiscard]] inline std::size_t filter_word(std::uint64_t key, std::size_t words) noexcept {
  return scale_to_range(key, words);
}
[[nodiscard]] inline std::uint64_t filter_bits(std::uint64_t key) noexcept {
  return (std::uint64_t{1} << ((key >> 16) & 63)) | (std::uint64_t{1} << ((key >> 22) & 63));
}

}  // namespace index_detail

class ListCatalog;

// One key's attributes after its list changed; none: the key is gone.
struct KeyChange {
  std::uint64_t key = 0;
  std::optional<index_detail::Attr> attr;
};

// Whether IndexBuilder::build adds the index's own Bloom filter. A ListCatalog's per-list
// pieces skip it: the catalog keeps one filter over all of them.
enum class BloomFilter : std::uint8_t { build, skip };

class DomainIndex {
 public:
  DomainIndex() = default;
  // Move-only; a moved-from index is empty (lookups on it match nothing).
  DomainIndex(DomainIndex&& o) noexcept { swap(o); }
  DomainIndex& operator=(DomainIndex&& o) noexcept {
    DomainIndex tmp(std::move(o));
    swap(tmp);
    return *this;
  }
  DomainIndex(const DomainIndex&) = delete;
  DomainIndex& operator=(const DomainIndex&) = delete;
  void swap(DomainIndex& o) noexcept;

  // Walks the suffixes of `name` (canonical lowercase, trailing dot allowed) from the
  // name itself up to its TLD. At the first level holding an entry that covers the name:
  // an allow entry wins (also on a tie with a block), else a block entry whose categories
  // intersect `blocked`. Entries that do not decide are passed over towards the parent.
  [[nodiscard]] Match lookup(std::string_view name, CategorySet blocked) const noexcept;

  [[nodiscard]] std::size_t size() const noexcept { return size_; }  // distinct names
  [[nodiscard]] std::size_t slot_count() const noexcept { return slot_count_; }
  [[nodiscard]] std::size_t memory_bytes() const noexcept;  // everything it owns
  [[nodiscard]] std::size_t attr_count() const noexcept { return attrs_.size(); }
  [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }

  // The attributes held for `key` (as IndexBuilder stored it), or none.
  [[nodiscard]] std::optional<index_detail::Attr> find(std::uint64_t key) const noexcept;
  // Every (key, attributes) held, in key order.
  void for_each(const std::function<void(std::uint64_t, const index_detail::Attr&)>& f) const;
  // A copy with `changes` applied in place, in the same layout a build would give these keys
  // over this table's home range: an IXFR's few changes cost a copy of the table, not a
  // sort of every entry. Only for an index built without a filter (BloomFilter::skip, as
  // catalog pieces are); none when it is not, or when the table would be fuller than a
  // build would make it by more than a few percent (the caller rebuilds).
  [[nodiscard]] std::optional<DomainIndex> patched(std::span<const KeyChange> changes) const;

 private:
  friend class IndexBuilder;
  friend class ListCatalog;  // probes the tables of its pieces behind its own filter
  [[nodiscard]] const index_detail::Slot* slots() const noexcept {
    return static_cast<const index_detail::Slot*>(table_.data());
  }
  [[nodiscard]] const std::uint64_t* filter_word(std::uint64_t key) const noexcept {
    return filter_ + index_detail::filter_word(key, filter_words_);
  }
  void build_filter();

  // One mapping: the slots (sorted Robin Hood layout, one empty slot at the end), then the
  // filter words, so the filter shares the table's huge pages (fewer TLB misses).
  PageBuffer table_;
  // The Bloom filter (index_detail::filter_bits). Built without one (BloomFilter::skip), it
  // is one all-ones word: every probe passes to the table, and lookup needs no branch.
  const std::uint64_t* filter_ = nullptr;
  std::size_t filter_words_ = 0;
  std::uint64_t seed_ = 0;
  std::size_t slot_count_ = 0;
  std::size_t home_range_ = 0;
  std::size_t size_ = 0;
  std::vector<index_detail::Attr> attrs_;
};

// Collects (key, attribute) pairs while lists are parsed (8 bytes per entry, no names
// kept), then sorts, merges duplicates and expands them in place into the table.
class IndexBuilder {
 public:
  // `seed` keys the hash (random by default, so names colliding on purpose cannot be
  // prepared in advance); tests pass a fixed one.
  explicit IndexBuilder(std::uint64_t seed = random_seed());
  static std::uint64_t random_seed();
  IndexBuilder(const IndexBuilder&) = delete;
  IndexBuilder& operator=(const IndexBuilder&) = delete;

  void add(std::string_view normalized_name, const Rule& rule, CategorySet categories, ListId list);
  // Adds an already hashed key (tests use it to force slot collisions).
  void add_key(std::uint64_t key, const Rule& rule, CategorySet categories, ListId list);
  // Adds a key with its attributes as another index holds them (merging built indexes).
  void add_attr(std::uint64_t key, const index_detail::Attr& attr);

  [[nodiscard]] std::size_t pending() const noexcept { return size_; }
  // Undo support: a list whose download turns out bad is dropped from the build.
  [[nodiscard]] std::size_t mark() const noexcept { return size_; }
  void rollback(std::size_t mark) noexcept;

  // Consumes the collected entries; the builder is empty afterwards.
  [[nodiscard]] DomainIndex build(BloomFilter filter = BloomFilter::build);

 private:
  std::uint32_t intern(const index_detail::Attr& a);
  std::uint32_t rule_attr(const Rule& rule, CategorySet categories, ListId list);
  [[nodiscard]] index_detail::Slot* slots() noexcept {
    return static_cast<index_detail::Slot*>(buffer_.data());
  }
  void append(std::uint64_t key, std::uint32_t value);
  std::size_t merge_duplicates();
  std::size_t place(std::size_t n, std::size_t home_range);

  std::uint64_t seed_;
  PageBuffer buffer_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
  std::vector<index_detail::Attr> attrs_;
  std::map<index_detail::Attr, std::uint32_t> interned_;
  std::map<std::tuple<bool, Cover, bool, CategorySet, ListId>, std::uint32_t> rule_cache_;
};

}  // namespace sprout::blocklists
