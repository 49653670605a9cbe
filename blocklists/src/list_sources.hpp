// Reading one configured list (local file, http(s) URL with a last-good copy, builtin) into
// a ListPiece, or reusing an earlier piece of the same identity without reading anything.
#pragma once

#include "sprout/blocklists/line_reader.hpp"
#include "sprout/blocklists/list_catalog.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace sprout::config {
struct Config;
struct List;
}  // namespace sprout::config

namespace sprout::blocklists {

using PiecePtr = std::shared_ptr<const ListPiece>;

// The pieces an update may reuse: those of the previous catalogs, then those it built.
class PieceReuse {
 public:
  void offer(const PiecePtr& piece);
  [[nodiscard]] PiecePtr find(const ListIdentity& id) const;

 private:
  std::vector<PiecePtr> pieces_;
};

struct SourceContext {
  const config::Config& cfg;
  const LoadOptions& options;
  std::uint64_t seed;
  PieceReuse& reuse;
};

// Parses a list into `builder` as a piece holds it: canonical attributes (category bit 0,
// ListId 0), every entry an allow when the list is an allowlist.
ParseStats add_entries(IndexBuilder& builder, LineReader& reader, Format format, std::string_view label, bool allowlist);

// Fills `s` (state, error, parse figures, last_refresh, reused) and returns the piece the
// list serves from: null or unusable when it serves nothing.
PiecePtr load_list(ListStatus& s, const config::List& list, const SourceContext& ctx);

}  // namespace sprout::blocklists
