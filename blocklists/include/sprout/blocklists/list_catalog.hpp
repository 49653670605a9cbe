// ListCatalog: one immutable index per configured list, reused across reloads and refreshes
// while the list's content is unchanged, and the lookup over all of them.
#pragma once

#include "sprout/blocklists/domain_index.hpp"
#include "sprout/blocklists/list_format.hpp"
#include "sprout/blocklists/list_loader.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace sprout::config {
struct Config;
}

namespace sprout::blocklists {

// What a list's entries were built from. Equal identities mean equal entries: the piece is
// reused without reading anything. Category and ListId are not part of it: the catalog
// maps a piece's attributes onto them per list (a few bytes), so reordering lists or moving
// one to another category reuses the piece too.
struct ListIdentity {
  // The list's settings that change what its entries are.
  std::string source;
  Format format = Format::auto_detect;
  bool allow = false;
  std::size_t max_bytes = 0;
  // The content read: a local file or the last-good copy of a URL list (builtin: path empty).
  std::string path;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  std::string etag;  // URL lists: the validator stored beside the last-good copy
  bool operator==(const ListIdentity&) const = default;
};

// One list's parsed content: immutable once built, shared by every catalog that uses it.
// The table holds canonical attributes (category bit 0, ListId 0) and no Bloom filter (the
// catalog keeps one over all pieces).
class ListPiece {
 public:
  ListPiece(ListIdentity identity, DomainIndex table, ParseStats stats, std::string error, bool reusable);
  [[nodiscard]] const ListIdentity& identity() const noexcept { return identity_; }
  [[nodiscard]] const DomainIndex& table() const noexcept { return table_; }
  [[nodiscard]] const ParseStats& stats() const noexcept { return stats_; }
  // Empty: the content was usable (it may still hold no entries). Else why it is not; an
  // unusable piece is kept so that the same bad content is not parsed again.
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] bool usable() const noexcept { return error_.empty(); }
  // False when the content may differ from what the identity says (file modified within the
  // timestamp granularity of its read, download not stored): never reused.
  [[nodiscard]] bool reusable() const noexcept { return reusable_; }
  [[nodiscard]] std::chrono::system_clock::time_point built_at() const noexcept { return built_at_; }

 private:
  ListIdentity identity_;
  DomainIndex table_;
  ParseStats stats_;
  std::string error_;
  bool reusable_ = true;
  std::chrono::system_clock::time_point built_at_;
};

class ListCatalog;

namespace index_detail {
// What a catalog lookup touches of one piece (or of the small-list group), packed together.
struct PieceProbe {
  const Slot* slots;
  std::size_t home_range;
  const Attr* attrs;  // with the list's category bit and ListId
  std::size_t slot_count;
};
}  // namespace index_detail

struct CatalogUpdate {
  std::shared_ptr<const ListCatalog> catalog;  // never null
  std::vector<ListStatus> lists;               // config order (ListId = position)
};

class ListCatalog {
 public:
  ListCatalog() = default;  // empty: lookups match nothing
  ListCatalog(ListCatalog&&) noexcept = default;
  ListCatalog& operator=(ListCatalog&&) noexcept = default;
  ListCatalog(const ListCatalog&) = delete;
  ListCatalog& operator=(const ListCatalog&) = delete;

  // Builds the catalog of `cfg`'s lists. A list whose identity matches a piece of
  // `previous` (or of a list earlier in `cfg`) reuses that piece: nothing is read or parsed
  // again. Only changed or new lists are read (URL lists are fetched when options.fetch).
  // Pieces are reused only from catalogs with the same hash seed (options.seed, else the
  // first previous catalog's). Thread-safe: `previous` catalogs are only read.
  static CatalogUpdate update(const config::Config& cfg, const ListCatalog* previous,
                              const LoadOptions& options = {});
  // Several candidates, searched in order: e.g. a refresh that finished after a reload
  // passes {refreshed, current} so neither the download nor the reload's work is lost.
  static CatalogUpdate update(const config::Config& cfg, std::span<const ListCatalog* const> previous,
                              const LoadOptions& options = {});

  // Same semantics as DomainIndex::lookup over one index merged from every list: at the
  // first level (most specific first) where a list holds the name, the union of what all
  // lists say there decides: allow wins, else block categories intersecting `blocked`,
  // else the walk goes on; `list` is the first list (config order) holding the name there.
  // Allocation-free.
  [[nodiscard]] Match lookup(std::string_view name, CategorySet blocked) const noexcept;

  [[nodiscard]] std::size_t list_count() const noexcept { return entries_.size(); }
  // The piece list `id` uses (null when nothing was loaded; possibly unusable).
  [[nodiscard]] const std::shared_ptr<const ListPiece>& piece(ListId id) const noexcept;
  // Names summed over lists (a name in two lists counts twice).
  [[nodiscard]] std::size_t size() const noexcept { return names_; }
  // Everything it uses: pieces shared with another catalog are counted in both.
  [[nodiscard]] std::size_t memory_bytes() const noexcept;
  [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }

  // One merged DomainIndex of every list (what load_lists returns), consuming the catalog:
  // pieces it alone owns are freed as they are copied, so peak memory stays near one index.
  // Usable on a catalog from update() too (its filter is dropped first).
  [[nodiscard]] DomainIndex flatten() &&;

 private:
  friend LoadedLists load_lists(const config::Config& cfg, const LoadOptions& options);
  // The entries, without what lookup needs (finish()): load_lists only flattens them.
  static ListCatalog build(const config::Config& cfg, std::span<const ListCatalog* const> previous,
                           const LoadOptions& options, std::vector<ListStatus>& statuses);
  struct Entry {
    std::shared_ptr<const ListPiece> piece;
    std::vector<index_detail::Attr> attrs;  // the piece's attributes with this list's bit and id
  };
  void add(std::shared_ptr<const ListPiece> piece, CategorySet category, ListId id);
  void finish();
  std::vector<bool> build_small_group();
  void build_filter();

  std::vector<Entry> entries_;
  std::vector<index_detail::PieceProbe> probes_;
  // The smallest lists merged into one table for lookup (rebuilt by every update, cheap by
  // construction), so ten small lists cost one probe, not ten.
  DomainIndex small_group_;
  // One filter over every piece, a 64-byte line per key saying whether any probe may hold
  // the key and which (list_catalog.cpp): one cache miss per suffix, however many lists.
  PageBuffer filter_;
  std::size_t filter_lines_ = 0;
  std::size_t names_ = 0;
  std::uint64_t seed_ = 0;
};

}  // namespace sprout::blocklists
