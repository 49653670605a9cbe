// Packed zone records in one arena (see zone_records.hpp). A packed record is
//   owner-key marker rest '\n'
// where the marker says how the owner was packed (below the apex: the labels above it; the
// apex itself; kept whole) and `rest` is one byte for a common RPZ action, kNoTab for a line
// without one, else the text after the owner's tab. Markers and codes are bytes below 0x20,
// which no storable line holds, so a record reads back unambiguously.
#include "sprout/blocklists/zone_records.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <limits>
#include <stdexcept>

#include "sprout/blocklists/wide_mul.hpp"

namespace sprout::blocklists {
namespace {

constexpr char kRel = '\x01';    // owner = key + "." + apex
constexpr char kApex = '\x02';   // owner = apex (empty key)
constexpr char kWhole = '\x03';  // owner = key
constexpr char kNoTab = '\x05';  // the line has no tab after its owner
constexpr char kCode0 = '\x10';  // kCommon[i] is packed as kCode0 + i
// What nearly every record of an RPZ zone is after its owner: the four QNAME actions, in the
// order of ZoneRecords::Action.
constexpr std::array<std::string_view, 4> kCommon{"IN\tCNAME\t.", "IN\tCNAME\t*.", "IN\tCNAME\trpz-passthru.",
                                                  "IN\tCNAME\trpz-drop."};
constexpr std::size_t kMinSlots = 64;
constexpr std::size_t kMaxLoadPercent = 85;

bool is_marker(char c) noexcept { return c == kRel || c == kApex || c == kWhole; }

}  // namespace

ZoneRecords::ZoneRecords(std::string apex) : apex_(std::move(apex)) {}

bool ZoneRecords::storable(std::string_view line) noexcept {
  for (char c : line) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t') return false;
  }
  return true;
}

void ZoneRecords::pack_owner(std::string_view owner, std::string& out) const {
  if (!apex_.empty() && owner == apex_) {
    out += kApex;
    return;
  }
  const std::size_t a = apex_.size();
  if (a > 0 && owner.size() > a + 1 && owner.ends_with(apex_) && owner[owner.size() - a - 1] == '.') {
    out.append(owner.substr(0, owner.size() - a - 1));
    out += kRel;
    return;
  }
  out.append(owner);
  out += kWhole;
}

void ZoneRecords::pack(std::string_view line, std::string& out) const {
  const std::size_t tab = line.find('\t');
  pack_owner(line.substr(0, tab), out);
  if (tab == std::string_view::npos) {
    out += kNoTab;
    return;
  }
  const std::string_view rest = line.substr(tab + 1);
  for (std::size_t i = 0; i < kCommon.size(); ++i) {
    if (rest == kCommon[i]) {
      out += static_cast<char>(kCode0 + i);
      return;
    }
  }
  out.append(rest);
}

void ZoneRecords::unpack(std::size_t at, std::string& out) const {
  const std::string_view key = owner_key(at);
  const char marker = key.back();
  if (marker == kRel) {
    out.append(key.substr(0, key.size() - 1));
    out += '.';
    out += apex_;
  } else if (marker == kApex) {
    out += apex_;
  } else {
    out.append(key.substr(0, key.size() - 1));
  }
  const std::string_view rest = record(at).substr(key.size());
  if (rest.size() == 1 && rest[0] == kNoTab) return;
  out += '\t';
  if (rest.size() == 1 && rest[0] >= kCode0 && static_cast<std::size_t>(rest[0] - kCode0) < kCommon.size()) {
    out.append(kCommon[static_cast<std::size_t>(rest[0] - kCode0)]);
    return;
  }
  out.append(rest);
}

std::optional<std::string_view> ZoneRecords::Record::below_apex() const noexcept {
  const std::string_view key = records_.owner_key(at_);
  if (key.back() != kRel) return std::nullopt;
  return key.substr(0, key.size() - 1);
}

std::optional<ZoneRecords::Action> ZoneRecords::Record::action() const noexcept {
  const std::string_view r = records_.record(at_);
  if (r.size() < 2 || !is_marker(r[r.size() - 2])) return std::nullopt;  // a code is alone after the marker
  const char code = r.back();
  if (code < kCode0 || static_cast<std::size_t>(code - kCode0) >= kCommon.size()) return std::nullopt;
  return static_cast<Action>(code - kCode0);
}

std::size_t ZoneRecords::next_record(std::size_t at) const noexcept { return arena_.find('\n', at) + 1; }

std::string_view ZoneRecords::record(std::size_t at) const noexcept {
  return std::string_view(arena_).substr(at, arena_.find('\n', at) - at);
}

std::string_view ZoneRecords::owner_key(std::size_t at) const noexcept {
  std::size_t end = at;
  while (!is_marker(arena_[end])) ++end;  // every live record holds one before its '\n'
  return std::string_view(arena_).substr(at, end + 1 - at);
}

ZoneRecords::Probe ZoneRecords::probe(std::string_view key) const noexcept {
  const std::uint64_t h = std::hash<std::string_view>{}(key);
  return {scale_to_range(h, slots_.size()), static_cast<std::uint8_t>(h)};
}

std::size_t ZoneRecords::find_slot(std::string_view packed) const {
  need_table();
  if (slots_.empty()) return 0;
  std::size_t key_end = 0;
  while (!is_marker(packed[key_end])) ++key_end;
  const Probe p = probe(packed.substr(0, key_end + 1));
  for (std::size_t i = p.home;; i = i + 1 == slots_.size() ? 0 : i + 1) {
    if (slots_[i] == 0) return slots_.size();
    if (tags_[i] == p.tag && record(slots_[i] - 1) == packed) return i;
  }
}

void ZoneRecords::place(std::uint32_t offset_plus_one) {
  const std::size_t at = offset_plus_one - 1;
  const Probe p = probe(owner_key(at));
  std::size_t i = p.home;
  for (; slots_[i] != 0; i = i + 1 == slots_.size() ? 0 : i + 1) {
    if (tags_[i] == p.tag && record(slots_[i] - 1) == record(at)) {  // appended twice: dropped
      dead_bytes_ += record(at).size() + 1;
      arena_[at] = kDead;
      --size_;
      return;
    }
  }
  slots_[i] = offset_plus_one;
  tags_[i] = p.tag;
}

// Linear probing's deletion without tombstones: later entries of the run move back into the
// hole unless their home lies after it (cyclically), so every lookup still reaches them.
void ZoneRecords::remove_slot(std::size_t hole) {
  const std::size_t n = slots_.size();
  for (std::size_t j = hole + 1 == n ? 0 : hole + 1; slots_[j] != 0; j = j + 1 == n ? 0 : j + 1) {
    const std::size_t k = probe(owner_key(slots_[j] - 1)).home;
    const bool stays = hole <= j ? (hole < k && k <= j) : (hole < k || k <= j);
    if (stays) continue;
    slots_[hole] = slots_[j];
    tags_[hole] = tags_[j];
    hole = j;
  }
  slots_[hole] = 0;
}

// Every live record placed again, walking the arena in order (the old table's order would
// read the arena at random: a cache miss per record).
void ZoneRecords::rehash(std::size_t capacity) {
  slots_.assign(capacity, 0);
  tags_.assign(capacity, 0);
  for (std::size_t at = 0; at < arena_.size(); at = next_record(at)) {
    if (arena_[at] != kDead) place(static_cast<std::uint32_t>(at + 1));
  }
}

// Drops erased records from the arena; offsets move, so the table is filled again.
void ZoneRecords::compact() {
  std::string kept;
  kept.reserve(arena_.size() - dead_bytes_);
  for (std::size_t at = 0; at < arena_.size(); at = next_record(at)) {
    if (arena_[at] != kDead) kept.append(arena_, at, next_record(at) - at);
  }
  arena_ = std::move(kept);
  dead_bytes_ = 0;
  rehash(slots_.size());
}

void ZoneRecords::append(std::string_view line) {
  if (!storable(line)) throw std::invalid_argument("a zone record with a control character");
  const std::size_t before = arena_.size();
  pack(line, arena_);
  arena_ += '\n';
  if (arena_.size() > std::numeric_limits<std::uint32_t>::max()) {
    arena_.resize(before);
    throw std::length_error("zone records over 4 GiB");
  }
  ++size_;
  slots_.clear();  // placed (and any duplicate dropped) by the next fit, insert or erase
  tags_.clear();
}

bool ZoneRecords::insert(std::string_view line) {
  if (!storable(line)) throw std::invalid_argument("a zone record with a control character");
  std::string packed;
  pack(line, packed);
  place_all();
  if (slots_.empty()) {
    slots_.assign(kMinSlots, 0);
    tags_.assign(kMinSlots, 0);
  }
  if (find_slot(packed) != slots_.size()) return false;
  if (arena_.size() + packed.size() + 2 > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("zone records over 4 GiB");
  if ((size_ + 1) * 100 > slots_.size() * kMaxLoadPercent) rehash(slots_.size() * 2);
  const auto offset = static_cast<std::uint32_t>(arena_.size());
  arena_ += packed;
  arena_ += '\n';
  place(offset + 1);
  ++size_;
  return true;
}

bool ZoneRecords::erase(std::string_view line) {
  place_all();
  if (!storable(line) || slots_.empty()) return false;
  std::string packed;
  pack(line, packed);
  const std::size_t slot = find_slot(packed);
  if (slot == slots_.size()) return false;
  const std::size_t at = slots_[slot] - 1;
  remove_slot(slot);
  arena_[at] = kDead;
  dead_bytes_ += packed.size() + 1;
  --size_;
  // Erased bytes are reclaimed once they are half the arena (IXFRs are small: rarely).
  if (dead_bytes_ > 4096 && dead_bytes_ * 2 > arena_.size()) compact();
  return true;
}

bool ZoneRecords::contains(std::string_view line) const {
  if (!storable(line)) return false;
  std::string packed;
  pack(line, packed);
  return find_slot(packed) != slots_.size();
}

void ZoneRecords::lines_of(std::string_view owner, std::string& out) const {
  need_table();
  if (slots_.empty() || !storable(owner) || owner.find('\t') != std::string_view::npos) return;
  std::string key;
  pack_owner(owner, key);
  const Probe p = probe(key);
  for (std::size_t i = p.home; slots_[i] != 0; i = i + 1 == slots_.size() ? 0 : i + 1) {
    if (tags_[i] != p.tag || owner_key(slots_[i] - 1) != key) continue;
    unpack(slots_[i] - 1, out);
    out += '\n';
  }
}

namespace {

// A well-formed packed record (without its '\n'): an owner key of text bytes ending in a
// marker, then a code alone or a text rest.
bool well_formed(std::string_view r) {
  std::size_t i = 0;
  while (i < r.size() && static_cast<unsigned char>(r[i]) >= 0x20) ++i;
  if (i >= r.size() || !is_marker(r[i])) return false;
  const std::string_view rest = r.substr(i + 1);
  if (rest.size() == 1 && (rest[0] == kNoTab || (rest[0] >= kCode0 && static_cast<std::size_t>(rest[0] - kCode0) < kCommon.size())))
    return true;
  return ZoneRecords::storable(rest);
}

}  // namespace

std::optional<ZoneRecords> ZoneRecords::from_packed(std::string apex, std::string packed, std::size_t count) {
  if (packed.size() >= std::numeric_limits<std::uint32_t>::max() || (!packed.empty() && packed.back() != '\n'))
    return std::nullopt;
  ZoneRecords z(std::move(apex));
  z.arena_ = std::move(packed);
  for (std::size_t at = 0; at < z.arena_.size(); at = z.next_record(at)) {
    if (z.size_ == count || !well_formed(z.record(at))) return std::nullopt;
    ++z.size_;
  }
  if (z.size_ != count) return std::nullopt;
  return z;
}

void ZoneRecords::fit() {
  if (place_all()) return;
  const std::size_t wanted = std::max(kMinSlots, size_ * 100 / 80 + 1);
  if (wanted < slots_.size()) rehash(wanted);
}

bool ZoneRecords::place_all() {
  if (!slots_.empty() || size_ == 0) return false;
  rehash(std::max(kMinSlots, size_ * 100 / 80 + 1));
  return true;
}

void ZoneRecords::need_table() const {
  if (slots_.empty() && size_ > 0) throw std::logic_error("zone records read without their table: call fit() first");
}

bool ZoneRecords::operator==(const ZoneRecords& other) const {
  if (size_ != other.size_) return false;
  const auto sorted = [](const ZoneRecords& z) {  // either may be without its table
    std::vector<std::string> lines;
    z.for_each([&](std::string_view line) { lines.emplace_back(line); });
    std::sort(lines.begin(), lines.end());
    return lines;
  };
  return sorted(*this) == sorted(other);
}

}  // namespace sprout::blocklists
