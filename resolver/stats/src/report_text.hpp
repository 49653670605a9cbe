// Report wording in English and Vietnamese, and the text helpers the renderers share.
#pragma once

#include "sprout/core/text_escape.hpp"

#include <cstdint>
#include <string>
#include <string_view>

#include "sprout/stats/report_render.hpp"

namespace sprout::stats::detail {

struct Texts {
  std::string_view title, period, generated, scope, all_networks, summary;
  std::string_view coverage, networks, days_in_range, days_with_data, lists_heading;
  std::string_view list, category, entries, last_refresh, state, never;
  std::string_view totals_heading, action, count, total;
  std::string_view trend_heading, trend_chart, category_chart, day;
  std::string_view top_heading, domain, top_unavailable, no_data;
  std::string_view bypass, safesearch, per_network_heading, network, labels;
  std::string_view privacy_heading, privacy_threshold, privacy_chart, privacy_domains, privacy_aggregate,
      privacy_no_client;
  std::string_view no_category;
  std::string_view instances_heading, instance, minutes_reported, last_reported;
};

[[nodiscard]] const Texts& texts(Lang lang) noexcept;
[[nodiscard]] std::string_view action_label(std::string_view action, Lang lang) noexcept;
[[nodiscard]] std::string_view list_state_label(ListState state, Lang lang) noexcept;
// Replaces every "{N}" with the threshold.
[[nodiscard]] std::string with_threshold(std::string_view text, int threshold);

[[nodiscard]] std::string format_time(std::int64_t unix_seconds, int utc_offset_minutes);  // "2026-11-27 08:00 UTC+07:00"
[[nodiscard]] std::string format_iso_time(std::int64_t unix_seconds, int utc_offset_minutes);  // "2026-11-27T08:00:05+07:00"
[[nodiscard]] std::string scope_text(const ReportData& data, Lang lang);
[[nodiscard]] std::string labels_text(const std::map<std::string, std::string>& labels);
[[nodiscard]] std::string category_label(std::string_view category, Lang lang);

using core::text::html_escape;
[[nodiscard]] std::string csv_cell(std::string_view s);

}  // namespace sprout::stats::detail
