// Reading one configured list (local file, http(s) URL with a last-good copy, builtin) into
// a ListPiece, or reusing an earlier piece of the same identity without reading anything.
#pragma once

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

// Fills `s` (state, error, parse figures, last_refresh, reused) and returns the piece the
// list serves from: null or unusable when it serves nothing.
PiecePtr load_list(ListStatus& s, const config::List& list, const SourceContext& ctx);

}  // namespace sprout::blocklists
