// HTML rendering of a report: one printable self-contained page (inline CSS and SVG, no script).
#include <algorithm>
#include <cstdio>

#include "report_text.hpp"

namespace sprout::stats {
namespace {

using detail::html_escape;

constexpr std::string_view kPalette[] = {"#2e7d32", "#c62828", "#1565c0", "#ef6c00", "#6a1b9a",
                                         "#00838f", "#ad1457", "#4e342e", "#9e9d24", "#37474f"};

constexpr std::string_view kStyle = R"css(
body{font-family:"Noto Sans","DejaVu Sans",Arial,sans-serif;color:#1b1b1b;margin:2em auto;max-width:60em;line-height:1.4}
h1{font-size:1.6em;border-bottom:3px solid #2e7d32;padding-bottom:.2em}
h2{font-size:1.2em;margin-top:1.6em;color:#2e7d32}
table{border-collapse:collapse;margin:.5em 0;min-width:50%}
th,td{border:1px solid #bbb;padding:.25em .6em;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#eef5ee}
.privacy{border:2px solid #2e7d32;background:#f5fbf5;padding:.5em 1em}
.note{color:#555;font-style:italic}
svg{display:block;margin:.5em 0}
@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}table,svg{page-break-inside:avoid}}
)css";

std::string esc(std::string_view s) { return html_escape(s); }

std::string num_cell(std::uint64_t n, int threshold) {
  return "<td class=\"n\">" + esc(format_count(n, threshold)) + "</td>";
}

// Charts draw what the tables show: a suppressed count is drawn as zero.
double shown(std::uint64_t n, int threshold) { return is_suppressed(n, threshold) ? 0.0 : static_cast<double>(n); }

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string color(std::size_t i) { return std::string(kPalette[i % std::size(kPalette)]); }

std::string header(const ReportData& d, Lang lang) {
  const auto& t = detail::texts(lang);
  std::string out = "<!DOCTYPE html>\n<html lang=\"" + std::string(lang_code(lang)) +
                    "\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + esc(t.title) + " " +
                    d.query.from.to_string() + " – " + d.query.to.to_string() + "</title>\n<style>" +
                    std::string(kStyle) + "</style>\n</head>\n<body>\n<h1>" + esc(t.title) + "</h1>\n<table>\n";
  out += "<tr><th>" + esc(t.period) + "</th><td>" + d.query.from.to_string() + " – " + d.query.to.to_string() + "</td></tr>\n";
  out += "<tr><th>" + esc(t.generated) + "</th><td>" + esc(detail::format_time(d.generated_at, d.utc_offset_minutes)) +
         "</td></tr>\n";
  out += "<tr><th>" + esc(t.scope) + "</th><td>" + esc(detail::scope_text(d, lang)) + "</td></tr>\n</table>\n";
  return out;
}

std::string privacy(const ReportData& d, Lang lang) {
  const auto& t = detail::texts(lang);
  std::string out = "<section class=\"privacy\">\n<h2>" + esc(t.privacy_heading) + "</h2>\n<ul>\n";
  for (auto rule : {t.privacy_threshold, t.privacy_chart, t.privacy_domains, t.privacy_aggregate, t.privacy_no_client})
    out += "<li>" + esc(detail::with_threshold(rule, d.threshold)) + "</li>\n";
  return out + "</ul>\n</section>\n";
}

std::string summary(const ReportData& d, Lang lang) {
  const auto& t = detail::texts(lang);
  std::string out = "<h2>" + esc(t.summary) + "</h2>\n<table>\n<tr><th>" + esc(t.bypass) + "</th>" +
                    num_cell(d.bypass_attempts, d.threshold) + "</tr>\n<tr><th>" + esc(t.safesearch) + "</th>" +
                    num_cell(d.safesearch_enforced, d.threshold) + "</tr>\n</table>\n";
  out += "<h2>" + esc(t.totals_heading) + "</h2>\n<table>\n<tr><th>" + esc(t.action) + "</th><th>" + esc(t.count) +
         "</th></tr>\n";
  for (const auto& a : d.totals)
    out += "<tr><td>" + esc(detail::action_label(a.action, lang)) + "</td>" + num_cell(a.count, d.threshold) + "</tr>\n";
  return out + "</table>\n";
}

std::string coverage(const ReportData& d, Lang lang) {
  const auto& t = detail::texts(lang);
  std::string out = "<h2>" + esc(t.coverage) + "</h2>\n<table>\n<tr><th>" + esc(t.days_in_range) + "</th><td class=\"n\">" +
                    std::to_string(d.days.size()) + "</td></tr>\n<tr><th>" + esc(t.days_with_data) +
                    "</th><td class=\"n\">" + std::to_string(d.days_with_data.size()) + "</td></tr>\n</table>\n";
  out += "<table>\n<tr><th>" + esc(t.network) + "</th><th>" + esc(t.labels) + "</th></tr>\n";
  for (const auto& n : d.networks)
    out += "<tr><td>" + esc(n.name) + "</td><td>" + esc(detail::labels_text(n.labels)) + "</td></tr>\n";
  out += "</table>\n<h2>" + esc(t.lists_heading) + "</h2>\n<table>\n<tr><th>" + esc(t.list) + "</th><th>" +
         esc(t.category) + "</th><th>" + esc(t.entries) + "</th><th>" + esc(t.last_refresh) + "</th><th>" +
         esc(t.state) + "</th></tr>\n";
  for (const auto& l : d.lists)
    out += "<tr><td>" + esc(l.name) + "</td><td>" + esc(l.category) + "</td><td class=\"n\">" +
           std::to_string(l.entries) + "</td><td>" +
           esc(l.last_refresh > 0 ? detail::format_time(l.last_refresh, d.utc_offset_minutes) : std::string(t.never)) +
           "</td><td>" + esc(detail::list_state_label(l.state, lang)) + "</td></tr>\n";
  out += "</table>\n";
  if (d.coverage.empty()) return out;  // a single-instance store
  out += "<h2>" + esc(t.instances_heading) + "</h2>\n<table>\n<tr><th>" + esc(t.instance) + "</th><th>" +
         esc(t.labels) + "</th><th>" + esc(t.minutes_reported) + "</th><th>" + esc(t.last_reported) + "</th></tr>\n";
  for (const auto& c : d.coverage)
    out += "<tr><td>" + esc(c.instance) + "</td><td>" + esc(detail::labels_text(c.labels)) + "</td><td class=\"n\">" +
           std::to_string(c.minutes) + "</td><td>" +
           esc(c.last_minute > 0 ? detail::format_time(c.last_minute, d.utc_offset_minutes) : std::string(t.never)) +
           "</td></tr>\n";
  return out + "</table>\n";
}

// Per-category totals over the period, for the bar chart.
std::vector<std::uint64_t> category_totals(const ReportData& d) {
  std::vector<std::uint64_t> totals(d.categories.size(), 0);
  for (const auto& r : d.blocked_trend) {
    auto it = std::find(d.categories.begin(), d.categories.end(), r.category);
    totals[static_cast<std::size_t>(it - d.categories.begin())] += r.count;
  }
  return totals;
}

std::string bar_chart(const ReportData& d, Lang lang) {
  const auto totals = category_totals(d);
  double max = 1;
  for (auto n : totals) max = std::max(max, shown(n, d.threshold));
  const int row = 26, width = 600, label_w = 160, bar_w = 360;
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) + "\" height=\"" +
                    std::to_string(row * static_cast<int>(totals.size()) + 10) + "\" role=\"img\" aria-label=\"" +
                    esc(detail::texts(lang).category_chart) + "\">\n";
  for (std::size_t i = 0; i < totals.size(); ++i) {
    const int y = 5 + row * static_cast<int>(i);
    const double w = bar_w * shown(totals[i], d.threshold) / max;
    out += "<text x=\"0\" y=\"" + std::to_string(y + 17) + "\" font-size=\"13\">" +
           esc(detail::category_label(d.categories[i], lang)) + "</text>";
    out += "<rect x=\"" + std::to_string(label_w) + "\" y=\"" + std::to_string(y + 3) + "\" width=\"" + fmt(w) +
           "\" height=\"18\" fill=\"" + color(i) + "\"/>";
    out += "<text x=\"" + fmt(label_w + w + 6) + "\" y=\"" + std::to_string(y + 17) + "\" font-size=\"13\">" +
           esc(format_count(totals[i], d.threshold)) + "</text>\n";
  }
  return out + "</svg>\n";
}

std::string line_axes(const ReportData& d, double max, int left, int top, int plot_w, int plot_h) {
  std::string out = "<line x1=\"" + std::to_string(left) + "\" y1=\"" + std::to_string(top + plot_h) + "\" x2=\"" +
                    std::to_string(left + plot_w) + "\" y2=\"" + std::to_string(top + plot_h) + "\" stroke=\"#555\"/>";
  out += "<line x1=\"" + std::to_string(left) + "\" y1=\"" + std::to_string(top) + "\" x2=\"" + std::to_string(left) +
         "\" y2=\"" + std::to_string(top + plot_h) + "\" stroke=\"#555\"/>\n";
  out += "<text x=\"" + std::to_string(left - 4) + "\" y=\"" + std::to_string(top + 4) +
         "\" font-size=\"11\" text-anchor=\"end\">" + std::to_string(static_cast<std::uint64_t>(max)) + "</text>";
  out += "<text x=\"" + std::to_string(left - 4) + "\" y=\"" + std::to_string(top + plot_h) +
         "\" font-size=\"11\" text-anchor=\"end\">0</text>\n";
  const std::size_t n = d.days.size();
  const std::size_t step = std::max<std::size_t>(1, n / 8);  // at most ~8 date labels
  for (std::size_t i = 0; i < n; i += step) {
    const double x = left + (n > 1 ? plot_w * static_cast<double>(i) / static_cast<double>(n - 1) : plot_w / 2.0);
    out += "<text x=\"" + fmt(x) + "\" y=\"" + std::to_string(top + plot_h + 16) +
           "\" font-size=\"11\" text-anchor=\"middle\">" + d.days[i].substr(5) + "</text>";
  }
  return out + "\n";
}

std::string line_chart(const ReportData& d, Lang lang) {
  const int left = 50, top = 10, plot_w = 520, plot_h = 180;
  double max = 1;
  for (const auto& r : d.blocked_trend) max = std::max(max, shown(r.count, d.threshold));
  const std::size_t n = d.days.size();
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"600\" height=\"" +
                    std::to_string(top + plot_h + 30 + 18 * static_cast<int>(d.categories.size())) +
                    "\" role=\"img\" aria-label=\"" + esc(detail::texts(lang).trend_chart) + "\">\n" +
                    line_axes(d, max, left, top, plot_w, plot_h);
  for (std::size_t c = 0; c < d.categories.size(); ++c) {
    std::string points;
    for (std::size_t i = 0; i < n; ++i) {
      const auto& r = d.blocked_trend[i * d.categories.size() + c];  // days x categories
      const double x = left + (n > 1 ? plot_w * static_cast<double>(i) / static_cast<double>(n - 1) : plot_w / 2.0);
      const double y = top + plot_h - plot_h * shown(r.count, d.threshold) / max;
      points += (points.empty() ? "" : " ") + fmt(x) + "," + fmt(y);
      out += "<circle cx=\"" + fmt(x) + "\" cy=\"" + fmt(y) + "\" r=\"2.5\" fill=\"" + color(c) + "\"/>";
    }
    out += "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"" + color(c) + "\" points=\"" + points + "\"/>\n";
    const int ly = top + plot_h + 34 + 18 * static_cast<int>(c);
    out += "<rect x=\"" + std::to_string(left) + "\" y=\"" + std::to_string(ly - 10) + "\" width=\"12\" height=\"12\" fill=\"" +
           color(c) + "\"/><text x=\"" + std::to_string(left + 18) + "\" y=\"" + std::to_string(ly) +
           "\" font-size=\"12\">" + esc(detail::category_label(d.categories[c], lang)) + "</text>\n";
  }
  return out + "</svg>\n";
}

std::string trend(const ReportData& d, Lang lang) {
  const auto& t = detail::texts(lang);
  std::string out = "<h2>" + esc(t.trend_heading) + "</h2>\n";
  if (d.categories.empty()) return out + "<p class=\"note\">" + esc(t.no_data) + "</p>\n";
  out += "<h3>" + esc(t.category_chart) + "</h3>\n" + bar_chart(d, lang);
  out += "<h3>" + esc(t.trend_chart) + "</h3>\n" + line_chart(d, lang);
  out += "<table>\n<tr><th>" + esc(t.day) + "</th>";
  for (const auto& c : d.categories) out += "<th>" + esc(detail::category_label(c, lang)) + "</th>";
  out += "</tr>\n";
  for (std::size_t i = 0; i < d.days.size(); ++i) {
    out += "<tr><td>" + d.days[i] + "</td>";
    for (std::size_t c = 0; c < d.categories.size(); ++c)
      out += num_cell(d.blocked_trend[i * d.categories.size() + c].count, d.threshold);
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::string top_domains(const ReportData& d, Lang lang) {
  const auto& t = detail::texts(lang);
  std::string out = "<h2>" + esc(t.top_heading) + "</h2>\n";
  if (!d.top_domains_available) return out + "<p class=\"note\">" + esc(t.top_unavailable) + "</p>\n";
  if (d.top_domains.empty()) return out + "<p class=\"note\">" + esc(t.no_data) + "</p>\n";
  out += "<table>\n<tr><th>" + esc(t.category) + "</th><th>" + esc(t.domain) + "</th><th>" + esc(t.count) + "</th></tr>\n";
  for (const auto& c : d.top_domains)
    for (const auto& dom : c.domains)
      out += "<tr><td>" + esc(detail::category_label(c.category, lang)) + "</td><td>" + esc(dom.domain) + "</td>" +
             num_cell(dom.count, d.threshold) + "</tr>\n";
  return out + "</table>\n";
}

std::string per_network(const ReportData& d, Lang lang) {
  const auto& t = detail::texts(lang);
  std::string out = "<h2>" + esc(t.per_network_heading) + "</h2>\n";
  if (d.per_network.empty()) return out + "<p class=\"note\">" + esc(t.no_data) + "</p>\n";
  out += "<table>\n<tr><th>" + esc(t.network) + "</th><th>" + esc(t.labels) + "</th>";
  for (const auto& a : d.per_network.front().actions) out += "<th>" + esc(detail::action_label(a.action, lang)) + "</th>";
  out += "</tr>\n";
  for (const auto& n : d.per_network) {
    out += "<tr><td>" + esc(n.network) + "</td><td>" + esc(detail::labels_text(n.labels)) + "</td>";
    for (const auto& a : n.actions) out += num_cell(a.count, d.threshold);
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

}  // namespace

std::string render_html(const ReportData& d, Lang lang) {
  return header(d, lang) + privacy(d, lang) + summary(d, lang) + coverage(d, lang) + trend(d, lang) +
         top_domains(d, lang) + per_network(d, lang) + "</body>\n</html>\n";
}

}  // namespace sprout::stats
