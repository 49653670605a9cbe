// Patching a transferred RPZ list's piece with what an IXFR changed, instead of re-reading
// and re-indexing the whole zone (ListCatalog reuses the patched piece by its identity).
#pragma once

#include "sprout/blocklists/list_catalog.hpp"

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace sprout::config {
struct List;
}

namespace sprout::blocklists {

// An IXFR's net change to an RPZ zone, in zone text lines ("owner.<tab>IN<tab>TYPE<tab>rdata").
struct RpzChange {
  std::string_view soa;  // the zone's SOA line: its owner is the policy zone's apex
  std::span<const std::string> deleted;
  std::span<const std::string> added;
  // Appends every line the new zone holds for `owner` ("name.") to `out`, one a line.
  std::function<void(std::string_view owner, std::string& out)> lines_of;
};

// `base` (the piece built from the zone before the change) with the change applied, under
// `identity` (stored_identity of the new zone's copy). Every name a changed line is for is
// decided again from all the new zone's lines for it, by the same parser a rebuild uses.
// Null when the piece cannot be patched (not an RPZ piece, unusable, empty or too full): the
// caller rebuilds. Parse figures follow the changed lines; first_errors stay the base's.
std::shared_ptr<const ListPiece> patch_rpz_piece(const ListPiece& base, const config::List& list,
                                                 const RpzChange& change, ListIdentity identity);

// The identity a catalog update gives `list` served from the copy at `path` as it is now.
ListIdentity stored_identity(const config::List& list, const std::string& path);

}  // namespace sprout::blocklists
