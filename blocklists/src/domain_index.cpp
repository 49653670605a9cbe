// DomainIndex lookup and IndexBuilder (see domain_index.hpp).
//
// Layout: open addressing with linear probing in one flat array of 12-byte slots. Keys
// are placed in ascending order (Robin Hood order: home(key) is monotone in key), so a
// probe stops at the first empty slot or the first larger key, which keeps misses short
// even at 85% load.
#include "sprout/blocklists/domain_index.hpp"

#include "sprout/blocklists/domain_hash.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <random>
#include <utility>

namespace sprout::blocklists {
namespace index_detail {

PageBuffer::~PageBuffer() {
  if (data_ != nullptr) munmap(data_, bytes_);
}

void PageBuffer::swap(PageBuffer& o) noexcept {
  std::swap(data_, o.data_);
  std::swap(bytes_, o.bytes_);
}

void PageBuffer::resize(std::size_t bytes) {
  constexpr std::size_t kPage = 4096;
  bytes = (bytes + kPage - 1) / kPage * kPage;
  if (bytes == bytes_) return;
  if (bytes == 0) {
    PageBuffer empty;
    swap(empty);
    return;
  }
  void* p = data_ == nullptr
                ? mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                : mremap(data_, bytes_, bytes, MREMAP_MAYMOVE);
  if (p == MAP_FAILED) throw std::bad_alloc();
  // Huge pages: lookups hit random slots; 4 KiB pages would add a TLB miss to each.
  if (bytes >= (2u << 20)) madvise(p, bytes, MADV_HUGEPAGE);
  data_ = p;
  bytes_ = bytes;
}

}  // namespace index_detail

using index_detail::Attr;
using index_detail::Slot;

namespace {

constexpr unsigned kLoadPercent = 85;

bool covers_self(Cover c) { return c != Cover::subtree; }
bool covers_subtree(Cover c) { return c != Cover::exact; }

Attr merged(const Attr& a, const Attr& b) {
  Attr m;
  m.block_self = a.block_self | b.block_self;
  m.block_subtree = a.block_subtree | b.block_subtree;
  m.allow = a.allow | b.allow;
  m.list = std::min(a.list, b.list);
  m.flags = static_cast<std::uint8_t>(a.flags | b.flags);
  return m;
}

// Decides at one level; fills `m` and returns true when this level settles the query.
bool decide(const Attr& a, bool self, CategorySet blocked, Match& m) noexcept {
  const bool allow = (a.flags & (self ? index_detail::kAllowSelf : index_detail::kAllowSubtree)) != 0;
  if (allow) {  // allow wins a tie with a block at the same level
    m.verdict = Verdict::allow;
    m.categories = a.allow;
    m.list = a.list;
    return true;
  }
  const CategorySet cats = (self ? a.block_self : a.block_subtree) & blocked;
  if (cats == 0) return false;
  m.verdict = Verdict::block;
  m.categories = cats;
  m.nodata = (a.flags & index_detail::kNodata) != 0;
  m.list = a.list;
  return true;
}

}  // namespace

const Slot* DomainIndex::find(std::uint64_t key) const noexcept {
  const Slot* s = slots() + home(key);
  while (true) {  // the last slot is always empty, so this terminates
    const std::uint64_t k = s->key();
    if (k == key) return s;
    if (k == 0 || k > key) return nullptr;
    ++s;
  }
}

Match DomainIndex::lookup(std::string_view name, CategorySet blocked) const noexcept {
  Match m;
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  PaddedName padded;
  if (size_ == 0 || name.empty() || !padded.assign(name)) return m;
  std::uint16_t dots[kMaxHashedLabels];
  const std::size_t dot_count = find_dots(padded, dots);
  if (dot_count >= kMaxHashedLabels) return m;
  std::uint64_t keys[kMaxHashedLabels];
  std::uint16_t starts[kMaxHashedLabels];
  const std::size_t levels = dot_count + 1;
  std::uint64_t state = seed_;
  std::size_t end = padded.size;
  // Hash from the right: each label absorbed yields the key of one more specific suffix
  // (keys[0] = the TLD). Filter words are prefetched so their misses overlap.
  for (std::size_t j = levels; j-- > 0;) {
    const std::size_t begin = j == 0 ? 0 : dots[j - 1] + 1u;
    state = hash_absorb_label(state, padded.bytes + begin, end - begin);
    const std::size_t level = levels - 1 - j;
    keys[level] = hash_finish(state);
    starts[level] = static_cast<std::uint16_t>(begin);
    __builtin_prefetch(filter_word(keys[level]));
    end = begin == 0 ? 0 : begin - 1;
  }
  for (std::size_t i = levels; i-- > 0;) {  // most specific first
    const std::uint64_t bits = filter_bits(keys[i]);
    if ((*filter_word(keys[i]) & bits) != bits) continue;
    const Slot* s = find(keys[i]);
    if (s == nullptr) continue;
    if (decide(attrs_[s->value], i == levels - 1, blocked, m)) {
      m.suffix = name.substr(starts[i]);
      return m;
    }
  }
  return m;
}

void DomainIndex::build_filter() {
  filter_words_ = std::max<std::size_t>(1, (size_ + 7) / 8);
  const std::size_t offset = (slot_count_ * sizeof(Slot) + 63) / 64 * 64;
  table_.resize(offset + filter_words_ * sizeof(std::uint64_t));  // grown pages are zero
  auto* words = reinterpret_cast<std::uint64_t*>(static_cast<char*>(table_.data()) + offset);
  std::memset(static_cast<void*>(words), 0, filter_words_ * sizeof(std::uint64_t));
  filter_ = words;
  const Slot* s = slots();
  for (std::size_t i = 0; i < slot_count_; ++i) {
    const std::uint64_t k = s[i].key();
    if (k != 0) words[filter_word(k) - words] |= filter_bits(k);
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

std::size_t DomainIndex::memory_bytes() const noexcept {
  return sizeof(*this) + table_.bytes() + attrs_.capacity() * sizeof(Attr);
}

IndexBuilder::IndexBuilder(std::uint64_t seed) : seed_(seed) {}

std::uint64_t IndexBuilder::random_seed() {
  std::random_device rd;
  return (std::uint64_t{rd()} << 32) ^ rd() ^ 0x243f6a8885a308d3ull;
}

std::uint32_t IndexBuilder::intern(const Attr& a) {
  auto [it, inserted] = interned_.try_emplace(a, static_cast<std::uint32_t>(attrs_.size()));
  if (inserted) attrs_.push_back(a);
  return it->second;
}

std::uint32_t IndexBuilder::rule_attr(const Rule& rule, CategorySet categories, ListId list) {
  const auto key = std::make_tuple(rule.allow, rule.cover, rule.nodata, categories, list);
  if (auto it = rule_cache_.find(key); it != rule_cache_.end()) return it->second;
  Attr a;
  a.list = list;
  if (rule.allow) {
    a.allow = categories;
    if (covers_self(rule.cover)) a.flags |= index_detail::kAllowSelf;
    if (covers_subtree(rule.cover)) a.flags |= index_detail::kAllowSubtree;
  } else {
    if (covers_self(rule.cover)) a.block_self = categories;
    if (covers_subtree(rule.cover)) a.block_subtree = categories;
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
  if (key == 0) key = 1;  // 0 marks an empty slot
  const std::uint32_t value = rule_attr(rule, categories, list);
  if (size_ == capacity_) {
    capacity_ = std::max<std::size_t>(4096 / sizeof(Slot), capacity_ * 2);
    buffer_.resize(capacity_ * sizeof(Slot));
    capacity_ = buffer_.bytes() / sizeof(Slot);
  }
  Slot& s = slots()[size_++];
  s.key_lo = static_cast<std::uint32_t>(key);
  s.key_hi = static_cast<std::uint32_t>(key >> 32);
  s.value = value;
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
      if (s[out - 1].value != s[i].value) {
        s[out - 1].value = intern(merged(attrs_[s[out - 1].value], attrs_[s[i].value]));
      }
      continue;
    }
    s[out++] = s[i];
  }
  return out;
}

DomainIndex IndexBuilder::build() {
  DomainIndex index;
  index.seed_ = seed_;
  const std::size_t n = size_ == 0 ? 0 : merge_duplicates();
  index.attrs_ = std::move(attrs_);
  index.attrs_.shrink_to_fit();
  if (n > 0) {
    index.size_ = n;
    index.home_range_ = std::max<std::size_t>(1, n * 100 / kLoadPercent);
    std::vector<std::uint32_t> pos(n);
    std::size_t next = 0;
    Slot* s = slots();
    for (std::size_t i = 0; i < n; ++i) {
      pos[i] = static_cast<std::uint32_t>(std::max(index.home(s[i].key()), next));
      next = pos[i] + 1;
    }
    index.slot_count_ = std::max(next, index.home_range_) + 1;  // + the empty sentinel
    buffer_.resize(index.slot_count_ * sizeof(Slot));
    s = slots();
    // Expand in place from the back: pos[i] >= i, so no unmoved slot is overwritten.
    std::size_t end = index.slot_count_;
    for (std::size_t i = n; i-- > 0;) {
      std::memset(static_cast<void*>(s + pos[i] + 1), 0, (end - pos[i] - 1) * sizeof(Slot));
      s[pos[i]] = s[i];
      end = pos[i];
    }
    std::memset(static_cast<void*>(s), 0, end * sizeof(Slot));
    index.table_ = std::move(buffer_);
    index.build_filter();
  }
  buffer_ = index_detail::PageBuffer{};
  size_ = capacity_ = 0;
  attrs_.clear();
  interned_.clear();
  rule_cache_.clear();
  return index;
}

}  // namespace sprout::blocklists
