// The bundled list snapshot compiled into the binary: seed last-good copies of URL lists
// (`bundled: NAME` in the config), so an install without network filters from the first query (bundled.cmake).
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string_view>

namespace sprout::blocklists {

// A bundled snapshot older than this is warned about: its lists have not followed upstream.
inline constexpr std::chrono::days kBundledMaxAge{90};

struct BundledList {
  std::string_view name;          // e.g. "adult": what `lists.NAME.bundled` names
  std::string_view date;          // YYYY-MM-DD: the content's upstream date
  std::span<const unsigned char> gzip;  // the list, gzip-compressed (the list reader inflates it)
};

// The snapshot entry `name`, if this build has it.
[[nodiscard]] std::optional<BundledList> bundled_list(std::string_view name) noexcept;
// Every entry (empty when built with SPROUT_BUNDLED_LISTS=OFF).
[[nodiscard]] std::span<const BundledList> bundled_lists() noexcept;
// "2026-08-22" as a time (midnight UTC), or nothing when it is not such a date.
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> bundled_date(std::string_view date) noexcept;

}  // namespace sprout::blocklists
