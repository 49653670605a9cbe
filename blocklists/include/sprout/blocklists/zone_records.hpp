// The records of a transferred zone (lists by zone transfer) in one arena, with no heap node per record: each zone
// text line is packed (owner relative to the apex, the common RPZ actions as one byte) and
// found by its owner through an open-addressing table of arena offsets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sprout::blocklists {

class ZoneRecords {
 public:
  // `apex`: the zone's name with its final dot ("rpz.test."); owners below it are packed
  // relative to it (any other owner is kept whole, so the apex only decides the size).
  explicit ZoneRecords(std::string apex = {});

  // A line ("owner.<tab>IN<tab>TYPE<tab>rdata") may hold no byte below 0x20 but tab: the
  // packing uses them. False: not storable (a damaged stored copy).
  [[nodiscard]] static bool storable(std::string_view line) noexcept;

  // False when the line is already there. Throws std::invalid_argument for a line that is not
  // storable and std::length_error past 4 GiB of records.
  bool insert(std::string_view line);
  // A bulk load (an AXFR): the line packed at the end, not looked up; the table (and the
  // dropping of a line appended twice) waits for fit(): one pass, not a probe per line.
  void append(std::string_view line);
  bool erase(std::string_view line);  // false when it is not there
  [[nodiscard]] bool contains(std::string_view line) const;
  // Appends every line held for `owner` ("name.") to `out`, one a line.
  void lines_of(std::string_view owner, std::string& out) const;
  // The four QNAME actions packed as one byte ("CNAME ." "CNAME *." "CNAME rpz-passthru."
  // "CNAME rpz-drop."), in that order.
  enum class Action : std::uint8_t { nxdomain, nodata, passthru, drop };
  // One record as packed: its owner and action read without turning it back into text
  // (indexing a stored copy at start needs no text round trip for nearly every record).
  class Record {
   public:
    // The owner without ".<apex>" (as stored: the transfer's lowercase) when it lies below
    // the apex; null for the apex itself and owners outside it.
    [[nodiscard]] std::optional<std::string_view> below_apex() const noexcept;
    [[nodiscard]] std::optional<Action> action() const noexcept;  // null: any other record
    void line(std::string& out) const { records_.unpack(at_, out); }  // its text line, appended

   private:
    friend class ZoneRecords;
    Record(const ZoneRecords& records, std::size_t at) noexcept : records_(records), at_(at) {}
    const ZoneRecords& records_;
    std::size_t at_;
  };
  // Calls `visit(const Record&)` for each record, in the order they were inserted.
  template <class Visit>
  void for_each_record(Visit&& visit) const {
    for (std::size_t at = 0; at < arena_.size(); at = next_record(at)) {
      if (arena_[at] != kDead) visit(Record(*this, at));
    }
  }
  // Calls `visit(std::string_view line)` for each line, in the order they were inserted.
  template <class Visit>
  void for_each(Visit&& visit) const {
    std::string line;
    for_each_record([&](const Record& r) {
      line.clear();
      r.line(line);
      visit(std::string_view(line));
    });
  }

  // The packed form, for the stored copy (zone_copy.hpp): each live record's bytes with
  // their '\n', in order. Read back by from_packed, which checks every record's shape.
  template <class Visit>
  void for_each_packed(Visit&& visit) const {
    for (std::size_t at = 0; at < arena_.size(); at = next_record(at)) {
      if (arena_[at] != kDead) visit(std::string_view(arena_).substr(at, next_record(at) - at));
    }
  }
  // Null when `packed` is not a sequence of `count` well-formed packed records. Read without
  // the lookup table (walking them needs none): fit() builds it.
  [[nodiscard]] static std::optional<ZoneRecords> from_packed(std::string apex, std::string packed, std::size_t count);

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] const std::string& apex() const noexcept { return apex_; }
  // Bytes held (arena and table), for the figures.
  [[nodiscard]] std::size_t memory_bytes() const noexcept { return arena_.capacity() + slots_.capacity() * sizeof(std::uint32_t) + tags_.capacity(); }
  // After a bulk load: the table sized to what it holds; after append or from_packed: the
  // table built (lookups need it; insert and erase build it themselves).
  void fit();
  // The same lines (whatever the apex or the order).
  bool operator==(const ZoneRecords& other) const;

 private:
  static constexpr char kDead = '\x00';  // an erased record's first byte until compaction

  void pack(std::string_view line, std::string& out) const;
  void pack_owner(std::string_view owner, std::string& out) const;
  void unpack(std::size_t at, std::string& out) const;
  [[nodiscard]] std::size_t next_record(std::size_t at) const noexcept;
  [[nodiscard]] std::string_view owner_key(std::size_t at) const noexcept;  // packed owner with its marker
  [[nodiscard]] std::string_view record(std::size_t at) const noexcept;     // packed, without '\n'
  struct Probe {
    std::size_t home;  // the key's first slot
    std::uint8_t tag;  // hash bits kept per slot: most probes need not read the arena
  };
  [[nodiscard]] Probe probe(std::string_view key) const noexcept;
  // The slot holding the packed record `packed`, or slots_.size().
  [[nodiscard]] std::size_t find_slot(std::string_view packed) const;
  void place(std::uint32_t offset_plus_one);
  void remove_slot(std::size_t slot);
  void rehash(std::size_t capacity);
  void compact();
  bool place_all();  // builds the table after append or from_packed; false when there is one
  void need_table() const;  // throws std::logic_error when fit() was not called after from_packed

  std::string apex_;
  std::string arena_;                 // packed records, each ending '\n'
  std::vector<std::uint32_t> slots_;  // arena offset + 1 of a record; 0: empty
  std::vector<std::uint8_t> tags_;    // per slot: 8 bits of its owner's hash
  std::size_t size_ = 0;
  std::size_t dead_bytes_ = 0;
};

}  // namespace sprout::blocklists
