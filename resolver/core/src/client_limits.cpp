// Token buckets and upstream counts per client: fixed tables, no allocation per query.
#include "sprout/core/client_limits.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <random>

namespace sprout::core {
namespace {

std::uint64_t mix(std::uint64_t x) noexcept {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Keyed with a per-process random seed, so nobody can pick addresses that collide.
std::uint64_t key_hash(const ClientKey& k, std::uint64_t seed) noexcept {
  std::uint64_t a = 0, b = 0;
  std::memcpy(&a, k.bytes.data(), 8);
  std::memcpy(&b, k.bytes.data() + 8, 8);
  return mix(mix(a ^ seed) ^ b);
}

std::int64_t ns(SteadyTime t) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// The bucket `e` would hold at `now`: what it had plus what refilled since, at most burst.
double refilled(double tokens, std::int64_t last_ns, std::int64_t now_ns, std::uint32_t rate, std::uint32_t burst) noexcept {
  const double elapsed = now_ns > last_ns ? static_cast<double>(now_ns - last_ns) * 1e-9 : 0.0;
  return std::min(static_cast<double>(burst), tokens + elapsed * rate);
}

SteadyTime steady_now() noexcept { return std::chrono::steady_clock::now(); }

std::uint64_t random_seed() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^ 1;
}

}  // namespace

ClientKey client_key(const config::IpAddress& a, const config::RateLimit& r) noexcept {
  // IPv4 sits in the last 4 bytes of the mapped form: its prefix counts from byte 12.
  const unsigned bits = a.v4 ? 96u + r.ipv4_prefix : r.ipv6_prefix;
  ClientKey k;
  for (unsigned i = 0; i < 16; ++i) {
    const unsigned from = i * 8;
    if (from + 8 <= bits) k.bytes[i] = a.bytes[i];
    else if (from < bits) k.bytes[i] = static_cast<std::uint8_t>(a.bytes[i] & (0xff << (8 - (bits - from))));
  }
  return k;
}

RateTable::RateTable(std::size_t entries, std::uint64_t seed)
    : entries_(std::bit_ceil(std::max(entries, kWays))), set_mask_(entries_.size() / kWays - 1), seed_(seed) {}

bool RateTable::take(const ClientKey& key, SteadyTime now, std::uint32_t rate, std::uint32_t burst) noexcept {
  Entry* set = &entries_[(key_hash(key, seed_) & set_mask_) * kWays];
  const std::int64_t now_ns = ns(now);
  for (std::size_t i = 0; i < kWays; ++i) {
    Entry& e = set[i];
    if (e.last_ns == kEmpty || !(e.key == key)) continue;
    e.tokens = refilled(e.tokens, e.last_ns, now_ns, rate, burst);
    e.last_ns = std::max(e.last_ns, now_ns);
    if (e.tokens < 1.0) return false;
    e.tokens -= 1.0;
    return true;
  }
  // A new client: an empty entry, else a refilled one, else the least recently seen.
  Entry* victim = nullptr;
  Entry* oldest = &set[0];
  for (std::size_t i = 0; i < kWays && victim == nullptr; ++i) {
    Entry& e = set[i];
    if (e.last_ns == kEmpty || refilled(e.tokens, e.last_ns, now_ns, rate, burst) >= burst) victim = &e;
    else if (e.last_ns < oldest->last_ns) oldest = &e;
  }
  if (victim == nullptr) {
    victim = oldest;
    ++evictions_;
  }
  victim->key = key;
  victim->last_ns = now_ns;
  victim->tokens = static_cast<double>(burst) - 1.0;
  return burst >= 1;
}

std::size_t RateTable::used() const noexcept {
  return static_cast<std::size_t>(std::count_if(entries_.begin(), entries_.end(), [](const Entry& e) { return e.last_ns != kEmpty; }));
}

UpstreamCounts::UpstreamCounts(std::uint64_t seed) : slots_(kSlots), seed_(seed) {}

UpstreamCounts::Refusal UpstreamCounts::acquire(const ClientKey* key, const config::UpstreamLimit& limit, int& slot) noexcept {
  slot = -1;
  if (limit.total != 0 && total_ >= limit.total) return Refusal::total;
  if (key != nullptr && limit.per_client != 0) {
    const std::size_t start = key_hash(*key, seed_);
    int free_slot = -1;
    for (std::size_t i = 0; i < kProbe && slot < 0; ++i) {
      const std::size_t at = (start + i) & (kSlots - 1);
      if (slots_[at].count == 0) {
        if (free_slot < 0) free_slot = static_cast<int>(at);
      } else if (slots_[at].key == *key) {
        slot = static_cast<int>(at);
      }
    }
    // A full probe window (only with total off and thousands of clients waiting) refuses
    // rather than lets a client go uncounted.
    if (slot < 0 && free_slot < 0) return Refusal::client;
    if (slot >= 0 && slots_[static_cast<std::size_t>(slot)].count >= limit.per_client) {
      slot = -1;
      return Refusal::client;
    }
    if (slot < 0) {
      slot = free_slot;
      slots_[static_cast<std::size_t>(slot)].key = *key;
    }
    ++slots_[static_cast<std::size_t>(slot)].count;
  }
  ++total_;
  return Refusal::none;
}

void UpstreamCounts::release(int slot) noexcept {
  if (total_ > 0) --total_;
  if (slot >= 0 && slots_[static_cast<std::size_t>(slot)].count > 0) --slots_[static_cast<std::size_t>(slot)].count;
}

std::uint32_t UpstreamCounts::of(const ClientKey& key) const noexcept {
  const std::size_t start = key_hash(key, seed_);
  for (std::size_t i = 0; i < kProbe; ++i) {
    const Slot& s = slots_[(start + i) & (kSlots - 1)];
    if (s.count != 0 && s.key == key) return s.count;
  }
  return 0;
}

UpstreamSlot& UpstreamSlot::operator=(UpstreamSlot&& o) noexcept {
  if (this != &o) {
    reset();
    owner_ = o.owner_;
    slot_ = o.slot_;
    o.owner_ = nullptr;
  }
  return *this;
}

void UpstreamSlot::reset() noexcept {
  if (owner_ != nullptr) owner_->release(slot_);
  owner_ = nullptr;
}

ClientLimits::ClientLimits(TimeSource now, std::uint64_t seed)
    : now_(now != nullptr ? now : &steady_now),
      seed_(seed != 0 ? seed : random_seed()),
      rate_(kRateEntries, seed_),
      upstream_(mix(seed_)) {}

}  // namespace sprout::core
