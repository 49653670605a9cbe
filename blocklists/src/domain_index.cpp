// DomainIndex lookup and IndexBuilder (see domain_index.hpp).
//
// Layout: open addressing with linear probing in one flat array of 8-byte slots. Keys
// are placed in ascending order (Robin Hood order: home(key) is monotone in key), so a
// probe stops at the first empty slot or the first larger key, which keeps misses short
// even at 95% load (measured against 85% with bench_index: lookups the same within noise,
// 1 MiB less with a million names; tests/bench/README.md).
#include "sprout/blocklists/domain_index.hpp"

#include "sprout/blocklists/domain_hash.hpp"
#include "index_rules.hpp"

#include <algorithm>
#include <cstring>
#include <new>
#include <random>
#include <stdexcept>
#include <utility>

namespace sprout::blocklists {

using index_detail::Attr;
using index_detail::Slot;

namespace {

constexpr unsigned kLoadPercent = 95;
// The filter of an index built without one: every key passes (see BloomFilter::skip).
constexpr std::uint64_t kPassAll = ~std::uint64_t{0};

}  // namespace

Match DomainIndex::lookup(std::string_view name, CategorySet blocked) const noexcept {
  Match m;
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  SuffixKeys sk;
  // Filter words are prefetched as the keys come out, so their misses overlap.
  if (size_ == 0 || !suffix_keys(name, seed_, sk, [this](std::uint64_t k) { __builtin_prefetch(filter_word(k)); })) {
    return m;
  }
  const Slot* table = slots();
  for (std::size_t i = sk.levels; i-- > 0;) {  // most specific first
    const std::uint64_t bits = index_detail::filter_bits(sk.key[i]);
    if ((*filter_word(sk.key[i]) & bits) != bits) continue;
    const Slot* s = index_detail::find_slot(table, home_range_, sk.key[i]);
    if (s == nullptr) continue;
    if (index_detail::decide(attrs_[s->value()], i == sk.levels - 1, blocked, m)) {
      m.suffix = name.substr(sk.start[i]);
      return m;
    }
  }
  return m;
}

void DomainIndex::build_filter() {
  filter_words_ = index_detail::filter_words_for(size_);
  const std::size_t offset = (slot_count_ * sizeof(Slot) + 63) / 64 * 64;
  table_.resize(offset + filter_words_ * sizeof(std::uint64_t));  // grown pages are zero
  auto* words = reinterpret_cast<std::uint64_t*>(static_cast<char*>(table_.data()) + offset);
  std::memset(static_cast<void*>(words), 0, filter_words_ * sizeof(std::uint64_t));
  filter_ = words;
  const Slot* s = slots();
  for (std::size_t i = 0; i < slot_count_; ++i) {
    const std::uint64_t k = s[i].key();
    if (k != 0) words[index_detail::filter_word(k, filter_words_)] |= index_detail::filter_bits(k);
  }
}

void DomainIndex::swap(DomainIndex& o) noexcept {
  table_.swap(o.table_);
  std::swap(filter_, o.filter_);
  std::swap(filter_words_, o.filter_words_);
  std::swap(seed_, o.seed_);
  std::swap(slot_count_, o.slot_count_);
  std::swap(home_range_, o.home_range_);
  std::swap(size_, o.size_);
  attrs_.swap(o.attrs_);
}

std::size_t DomainIndex::memory_bytes() const noexcept {  // (the shared kPassAll is not owned)
  return sizeof(*this) + table_.bytes() + attrs_.capacity() * sizeof(Attr);
}

std::optional<Attr> DomainIndex::find(std::uint64_t key) const noexcept {
  if (size_ == 0) return std::nullopt;
  const Slot* s = index_detail::find_slot(slots(), home_range_, stored_key(key));
  if (s == nullptr) return std::nullopt;
  return attrs_[s->value()];
}

void DomainIndex::for_each(const std::function<void(std::uint64_t, const Attr&)>& f) const {
  const Slot* s = slots();
  for (std::size_t i = 0; i < slot_count_; ++i) {
    if (s[i].key() != 0) f(s[i].key(), attrs_[s[i].value()]);
  }
}

namespace {

// Sorted Robin Hood layout (IndexBuilder::place): entry i sits at max(home(i), pos(i-1) + 1).
// Removing one: the displaced entries after it move back one slot each, up to the first
// empty slot or entry at its home, which gives the layout a build would give the rest.
bool erase_key(Slot* s, std::size_t home_range, std::uint64_t key) {
  Slot* at = const_cast<Slot*>(index_detail::find_slot(s, home_range, key));
  if (at == nullptr) return false;
  std::size_t q = static_cast<std::size_t>(at - s);
  while (s[q + 1].key() != 0 && index_detail::home_slot(s[q + 1].key(), home_range) <= q) {
    s[q] = s[q + 1];
    ++q;
  }
  s[q] = Slot{};
  return true;
}

// Adding one: its place is after the smaller keys from its home on; the run from there to
// the next empty slot moves up one. The table grows by a slot when that empty slot was the
// final sentinel (the caller made room).
void insert_key(Slot* s, std::size_t& slot_count, std::size_t home_range, std::uint64_t key, std::uint32_t value) {
  std::size_t p = index_detail::home_slot(key, home_range);
  while (s[p].key() != 0 && s[p].key() < key) ++p;
  std::size_t e = p;
  while (s[e].key() != 0) ++e;
  if (e == slot_count - 1) ++slot_count;  // the new last slot is a fresh zero page: empty
  std::memmove(static_cast<void*>(s + p + 1), s + p, (e - p) * sizeof(Slot));
  s[p] = Slot{key | value};
}

// The attribute's number in `attrs`, added when new; none when a slot could not hold it.
std::optional<std::uint32_t> intern_into(std::vector<Attr>& attrs, const Attr& a) {
  for (std::size_t i = 0; i < attrs.size(); ++i) {  // a list has a handful of distinct ones
    if (!(attrs[i] < a) && !(a < attrs[i])) return static_cast<std::uint32_t>(i);
  }
  if (attrs.size() == index_detail::kMaxAttrs) return std::nullopt;
  attrs.push_back(a);
  return static_cast<std::uint32_t>(attrs.size() - 1);
}

}  // namespace

std::optional<DomainIndex> DomainIndex::patched(std::span<const KeyChange> changes) const {
  // A build fills kLoadPercent of the home range; a patched table may go a little past it
  // (and a tiny one by a few entries: probes of a handful of slots cost nothing).
  constexpr std::size_t kMaxPatchedLoad = kLoadPercent + 5;
  constexpr std::size_t kSmallSlack = 16;
  if (size_ == 0 || filter_ != &kPassAll) return std::nullopt;
  std::size_t grow = 0;
  for (const KeyChange& c : changes) grow += c.attr ? 1 : 0;
  if ((size_ + grow) * 100 > home_range_ * kMaxPatchedLoad + kSmallSlack * 100) return std::nullopt;
  DomainIndex out;
  out.seed_ = seed_;
  out.home_range_ = home_range_;
  out.slot_count_ = slot_count_;
  out.size_ = size_;
  out.attrs_ = attrs_;
  out.filter_ = &kPassAll;
  out.filter_words_ = 1;
  out.table_.resize((slot_count_ + grow) * sizeof(Slot));  // fresh pages: the room is empty
  std::memcpy(out.table_.data(), table_.data(), slot_count_ * sizeof(Slot));
  auto* s = static_cast<Slot*>(out.table_.data());
  for (const KeyChange& c : changes) {
    const std::uint64_t key = stored_key(c.key);
    if (erase_key(s, home_range_, key)) --out.size_;
    if (!c.attr) continue;
    const auto value = intern_into(out.attrs_, *c.attr);
    if (!value) return std::nullopt;  // a rebuild reports it
    insert_key(s, out.slot_count_, home_range_, key, *value);
    ++out.size_;
  }
  return out;
}

IndexBuilder::IndexBuilder(std::uint64_t seed) : seed_(seed) {}

std::uint64_t IndexBuilder::random_seed() {
  std::random_device rd;
  return (std::uint64_t{rd()} << 32) ^ rd() ^ 0x243f6a8885a308d3ull;
}

std::uint32_t IndexBuilder::intern(const Attr& a) {
  auto [it, inserted] = interned_.try_emplace(a, static_cast<std::uint32_t>(attrs_.size()));
  if (inserted) {
    // A slot has 16 bits for the number: tuples are (categories, list, flags) combinations,
    // a few per list, so only an absurd configuration gets here; refused, never wrapped.
    if (attrs_.size() == index_detail::kMaxAttrs) {
      interned_.erase(it);
      throw std::length_error("blocklist index: more than 65536 distinct category/list combinations");
    }
    attrs_.push_back(a);
  }
  return it->second;
}

std::uint32_t IndexBuilder::rule_attr(const Rule& rule, CategorySet categories, ListId list) {
  const auto key = std::make_tuple(rule.allow, rule.cover, rule.nodata, categories, list);
  if (auto it = rule_cache_.find(key); it != rule_cache_.end()) return it->second;
  Attr a;
  a.list = list;
  if (rule.allow) {
    a.allow = categories;
    if (index_detail::covers_self(rule.cover)) a.flags |= index_detail::kAllowSelf;
    if (index_detail::covers_subtree(rule.cover)) a.flags |= index_detail::kAllowSubtree;
  } else {
    if (index_detail::covers_self(rule.cover)) a.block_self = categories;
    if (index_detail::covers_subtree(rule.cover)) a.block_subtree = categories;
    if (rule.nodata) a.flags |= index_detail::kNodata;
  }
  const std::uint32_t id = intern(a);
  rule_cache_.emplace(key, id);
  return id;
}

void IndexBuilder::add(std::string_view normalized_name, const Rule& rule, CategorySet categories,
                       ListId list) {
  add_key(domain_key(normalized_name, seed_), rule, categories, list);
}

void IndexBuilder::add_key(std::uint64_t key, const Rule& rule, CategorySet categories, ListId list) {
  append(key, rule_attr(rule, categories, list));
}

void IndexBuilder::add_attr(std::uint64_t key, const Attr& attr) { append(key, intern(attr)); }

void IndexBuilder::append(std::uint64_t key, std::uint32_t value) {
  key = stored_key(key);  // (tests add raw keys; hashed ones are stored keys already)
  if (size_ == capacity_) {
    capacity_ = std::max<std::size_t>(4096 / sizeof(Slot), capacity_ * 2);
    buffer_.resize(capacity_ * sizeof(Slot));
    capacity_ = buffer_.bytes() / sizeof(Slot);
  }
  slots()[size_++].word = key | value;
}

void IndexBuilder::rollback(std::size_t mark) noexcept {
  if (mark < size_) size_ = mark;
}

// Sorts by key and folds entries with equal keys into one (union of their attributes).
std::size_t IndexBuilder::merge_duplicates() {
  Slot* s = slots();
  std::sort(s, s + size_, [](const Slot& a, const Slot& b) { return a.key() < b.key(); });
  std::size_t out = 0;
  for (std::size_t i = 0; i < size_; ++i) {
    if (out > 0 && s[out - 1].key() == s[i].key()) {
      if (s[out - 1].value() != s[i].value()) {
        s[out - 1].word = s[i].key() | intern(index_detail::merged(attrs_[s[out - 1].value()], attrs_[s[i].value()]));
      }
      continue;
    }
    s[out++] = s[i];
  }
  return out;
}

// Entry i of the n sorted ones goes to slot pos[i] = max(home(i), pos[i-1] + 1). They are
// moved there from the back (pos[i] >= i: no entry still to move is overwritten), a block
// at a time: only where each block starts is stored, its positions are recomputed when it
// is moved, so the build needs no 4 bytes per name on top of the table. Returns the slot
// count (including the empty sentinel at the end).
std::size_t IndexBuilder::place(std::size_t n, std::size_t home_range) {
  constexpr std::size_t kBlock = 4096;
  std::vector<std::size_t> block_next((n + kBlock - 1) / kBlock);
  std::size_t next = 0;
  const Slot* in = slots();
  for (std::size_t i = 0; i < n; ++i) {
    if (i % kBlock == 0) block_next[i / kBlock] = next;
    next = std::max(index_detail::home_slot(in[i].key(), home_range), next) + 1;
  }
  const std::size_t slot_count = std::max(next, home_range) + 1;
  buffer_.resize(slot_count * sizeof(Slot));
  Slot* s = slots();
  std::uint32_t pos[kBlock];
  std::size_t end = slot_count;
  for (std::size_t b = block_next.size(); b-- > 0;) {
    const std::size_t lo = b * kBlock, hi = std::min(n, lo + kBlock);
    next = block_next[b];
    for (std::size_t i = lo; i < hi; ++i) {
      pos[i - lo] = static_cast<std::uint32_t>(std::max(index_detail::home_slot(s[i].key(), home_range), next));
      next = pos[i - lo] + 1u;
    }
    for (std::size_t i = hi; i-- > lo;) {
      const std::size_t p = pos[i - lo];
      std::memset(static_cast<void*>(s + p + 1), 0, (end - p - 1) * sizeof(Slot));
      s[p] = s[i];
      end = p;
    }
  }
  std::memset(static_cast<void*>(s), 0, end * sizeof(Slot));
  return slot_count;
}

DomainIndex IndexBuilder::build(BloomFilter filter) {
  DomainIndex index;
  index.seed_ = seed_;
  const std::size_t n = size_ == 0 ? 0 : merge_duplicates();
  index.attrs_ = std::move(attrs_);
  index.attrs_.shrink_to_fit();
  if (n > 0) {
    index.size_ = n;
    index.home_range_ = std::max<std::size_t>(1, n * 100 / kLoadPercent);
    index.slot_count_ = place(n, index.home_range_);
    index.table_ = std::move(buffer_);
    if (filter == BloomFilter::build) {
      index.build_filter();
    } else {
      index.filter_ = &kPassAll;
      index.filter_words_ = 1;
    }
  }
  buffer_ = PageBuffer{};
  size_ = capacity_ = 0;
  attrs_.clear();
  interned_.clear();
  rule_cache_.clear();
  return index;
}

}  // namespace sprout::blocklists
