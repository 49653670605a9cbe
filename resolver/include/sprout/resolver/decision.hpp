// The policy decision for one name: the single function both serving and `explain` use.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "sprout/blocklists/domain_index.hpp"

namespace sprout::resolver {

struct Snapshot;
struct NetworkPolicy;

enum class Reason : std::uint8_t {
  no_match,          // nothing matched: resolve normally
  allow_override,    // profile or global allow list
  deny_override,     // profile or global deny list
  allowlist,         // an allow entry in a loaded list (allowlist, @@, rpz-passthru)
  category,          // a blocking entry in a category the profile blocks
};

enum class DecisionKind : std::uint8_t { resolve, block };

struct Decision {
  DecisionKind kind = DecisionKind::resolve;
  Reason reason = Reason::no_match;
  int category = -1;                               // index into config.categories
  blocklists::ListId list = blocklists::kNoList;   // the list that matched, if any
  std::string_view matched;                        // the suffix that matched
  bool nodata = false;                             // RPZ NODATA rule
  blocklists::CategorySet blocked = 0;             // the categories in force
};

[[nodiscard]] std::string_view reason_name(Reason r) noexcept;

// Decides what `qname` (canonical lowercase) gets on `network` at `now`. Allocation-free.
[[nodiscard]] Decision decide(const Snapshot& snap, const NetworkPolicy& network, std::string_view qname,
                              std::uint16_t qtype, std::chrono::system_clock::time_point now) noexcept;

}  // namespace sprout::resolver
