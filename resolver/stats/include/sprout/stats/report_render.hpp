// Report renderers: JSON, CSV and a printable self-contained HTML page, in Vietnamese or English.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sprout/stats/report.hpp"

namespace sprout::stats {

enum class Lang { en, vi };
enum class ReportFormat { html, csv, json };

[[nodiscard]] std::optional<Lang> parse_lang(std::string_view text);            // "en", "vi"
[[nodiscard]] std::optional<ReportFormat> parse_format(std::string_view text);  // "html", "csv", "json"
[[nodiscard]] std::string_view lang_code(Lang lang) noexcept;
[[nodiscard]] std::string_view format_extension(ReportFormat f) noexcept;

// Privacy: a count below the threshold is never shown, only "<threshold".
[[nodiscard]] bool is_suppressed(std::uint64_t count, int threshold) noexcept;
[[nodiscard]] std::string format_count(std::uint64_t count, int threshold);

[[nodiscard]] std::string render_json(const ReportData& data, Lang lang);
[[nodiscard]] std::string render_csv(const ReportData& data, Lang lang);
[[nodiscard]] std::string render_html(const ReportData& data, Lang lang);
[[nodiscard]] std::string render(const ReportData& data, ReportFormat format, Lang lang);

}  // namespace sprout::stats
