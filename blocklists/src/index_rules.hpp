// How index attributes combine and decide a query: shared by DomainIndex and ListCatalog,
// so a lookup over a catalog of pieces decides exactly like one over a merged index.
#pragma once

#include "sprout/blocklists/domain_index.hpp"

#include <algorithm>

namespace sprout::blocklists::index_detail {

inline bool covers_self(Cover c) noexcept { return c != Cover::subtree; }
inline bool covers_subtree(Cover c) noexcept { return c != Cover::exact; }

// Several lists holding one name: the union of what they say, reported as the first list.
inline Attr merged(const Attr& a, const Attr& b) noexcept {
  Attr m;
  m.block_self = a.block_self | b.block_self;
  m.block_subtree = a.block_subtree | b.block_subtree;
  m.allow = a.allow | b.allow;
  m.list = std::min(a.list, b.list);
  m.flags = static_cast<std::uint8_t>(a.flags | b.flags);
  return m;
}

// Decides at one level; fills `m` and returns true when this level settles the query.
inline bool decide(const Attr& a, bool self, CategorySet blocked, Match& m) noexcept {
  const bool allow = (a.flags & (self ? kAllowSelf : kAllowSubtree)) != 0;
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
  m.nodata = (a.flags & kNodata) != 0;
  m.list = a.list;
  return true;
}

}  // namespace sprout::blocklists::index_detail
