// Cache shard: hash chains, LRU order, eviction, entry allocation.
#include "cache_shard.hpp"

#include <algorithm>
#include <bit>
#include <new>

namespace sprout::cache {

void EntryDeleter::operator()(CacheEntry* entry) const noexcept {
  entry->~CacheEntry();
  ::operator delete(static_cast<void*>(entry));
}

EntryPtr allocate_entry(const CacheKey& key, std::uint64_t hash, std::size_t ttl_count, std::size_t wire_size) noexcept {
  static_assert(sizeof(CacheEntry) % alignof(std::uint16_t) == 0);
  const std::size_t bytes = sizeof(CacheEntry) + ttl_count * sizeof(std::uint16_t) + wire_size + key.qname.size();
  void* raw = ::operator new(bytes, std::nothrow);
  if (raw == nullptr) return nullptr;
  auto* entry = new (raw) CacheEntry;
  entry->hash = hash;
  entry->ttl_count = static_cast<std::uint16_t>(ttl_count);
  entry->wire_size = static_cast<std::uint32_t>(wire_size);
  entry->qtype = key.qtype;
  entry->qclass = key.qclass;
  entry->dnssec_ok = key.dnssec_ok;
  entry->checking_disabled = key.checking_disabled;
  entry->name_length = static_cast<std::uint8_t>(key.qname.size());
  // Stored lowercase so the name reads back canonical; comparison is case-insensitive anyway.
  char* name = reinterpret_cast<char*>(entry->wire() + wire_size);
  for (std::size_t i = 0; i < key.qname.size(); ++i) {
    const char c = key.qname[i];
    name[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
  }
  return EntryPtr(entry);
}

CacheShard::~CacheShard() { clear(); }

namespace {
// A big cache starts small and doubles its table as it fills, so memory follows use.
constexpr std::size_t kInitialBuckets = 1024;
}  // namespace

void CacheShard::init(std::size_t capacity) {
  capacity_ = capacity == 0 ? 1 : capacity;
  max_buckets_ = std::bit_ceil(capacity_);  // load factor stays <= 1 once full
  buckets_.assign(std::min(max_buckets_, kInitialBuckets), nullptr);
}

CacheEntry* CacheShard::find(std::uint64_t hash, const CacheKey& key) const noexcept {
  for (CacheEntry* e = buckets_[hash & (buckets_.size() - 1)]; e != nullptr; e = e->chain_next) {
    if (e->matches(hash, key)) return e;
  }
  return nullptr;
}

void CacheShard::put(EntryPtr owned, const CacheKey& key) noexcept {
  if (CacheEntry* old = find(owned->hash, key)) erase(old);
  while (count_ >= capacity_ && lru_tail_ != nullptr) {
    erase(lru_tail_);
    counters_.evictions.fetch_add(1, std::memory_order_relaxed);
  }
  CacheEntry* entry = owned.release();
  CacheEntry*& head = bucket(entry->hash);
  entry->chain_next = head;
  head = entry;
  push_front(entry);
  ++count_;
  counters_.size.store(count_, std::memory_order_relaxed);
  if (count_ > buckets_.size() && buckets_.size() < max_buckets_) grow();
}

void CacheShard::grow() noexcept {
  std::vector<CacheEntry*> bigger;
  try {
    bigger.assign(buckets_.size() * 2, nullptr);
  } catch (const std::bad_alloc&) {
    return;  // longer chains, still correct
  }
  buckets_.swap(bigger);
  // Every entry is on the LRU list: relink them all into the new table.
  for (CacheEntry* e = lru_head_; e != nullptr; e = e->lru_next) {
    CacheEntry*& head = bucket(e->hash);
    e->chain_next = head;
    head = e;
  }
}

void CacheShard::erase(CacheEntry* entry) noexcept {
  unlink_chain(entry);
  unlink_lru(entry);
  EntryDeleter{}(entry);
  --count_;
  counters_.size.store(count_, std::memory_order_relaxed);
}

void CacheShard::touch(CacheEntry* entry) noexcept {
  if (lru_head_ == entry) return;
  unlink_lru(entry);
  push_front(entry);
}

void CacheShard::clear() noexcept {
  while (lru_head_ != nullptr) erase(lru_head_);
}

void CacheShard::unlink_chain(CacheEntry* entry) noexcept {
  CacheEntry** link = &bucket(entry->hash);
  while (*link != nullptr && *link != entry) link = &(*link)->chain_next;
  if (*link == entry) *link = entry->chain_next;
  entry->chain_next = nullptr;
}

void CacheShard::unlink_lru(CacheEntry* entry) noexcept {
  if (entry->lru_prev != nullptr) entry->lru_prev->lru_next = entry->lru_next;
  else lru_head_ = entry->lru_next;
  if (entry->lru_next != nullptr) entry->lru_next->lru_prev = entry->lru_prev;
  else lru_tail_ = entry->lru_prev;
  entry->lru_prev = entry->lru_next = nullptr;
}

void CacheShard::push_front(CacheEntry* entry) noexcept {
  entry->lru_prev = nullptr;
  entry->lru_next = lru_head_;
  if (lru_head_ != nullptr) lru_head_->lru_prev = entry;
  lru_head_ = entry;
  if (lru_tail_ == nullptr) lru_tail_ = entry;
}

}  // namespace sprout::cache
