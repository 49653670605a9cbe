// CSV rendering of a report: one section per table, a "# title" line, a header row, then rows.
#include "report_text.hpp"

namespace sprout::stats {
namespace {

using detail::csv_cell;

class CsvWriter {
 public:
  void section(std::string_view title) {
    if (!out_.empty()) out_ += "\r\n";
    out_ += "# " + std::string(title) + "\r\n";
  }
  void row(std::initializer_list<std::string_view> cells) {
    bool first = true;
    for (auto c : cells) {
      out_ += (first ? "" : ",") + csv_cell(c);
      first = false;
    }
    out_ += "\r\n";
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

void header_sections(CsvWriter& w, const ReportData& d, Lang lang) {
  const auto& t = detail::texts(lang);
  w.section(t.title);
  w.row({t.period, d.query.from.to_string() + " / " + d.query.to.to_string()});
  w.row({t.generated, detail::format_time(d.generated_at, d.utc_offset_minutes)});
  w.row({t.scope, detail::scope_text(d, lang)});
  w.section(t.privacy_heading);
  for (auto rule : {t.privacy_threshold, t.privacy_chart, t.privacy_domains, t.privacy_aggregate, t.privacy_no_client})
    w.row({detail::with_threshold(rule, d.threshold)});
}

void coverage_sections(CsvWriter& w, const ReportData& d, Lang lang) {
  const auto& t = detail::texts(lang);
  w.section(t.coverage);
  w.row({t.days_in_range, std::to_string(d.days.size())});
  w.row({t.days_with_data, std::to_string(d.days_with_data.size())});
  w.section(t.networks);
  w.row({t.network, t.labels});
  for (const auto& n : d.networks) w.row({n.name, detail::labels_text(n.labels)});
  w.section(t.lists_heading);
  w.row({t.list, t.category, t.entries, t.last_refresh, t.state});
  for (const auto& l : d.lists)
    w.row({l.name, l.category, std::to_string(l.entries),
           l.last_refresh > 0 ? detail::format_time(l.last_refresh, d.utc_offset_minutes) : std::string(t.never),
           detail::list_state_label(l.state, lang)});
  if (d.coverage.empty()) return;  // a single-instance store
  w.section(t.instances_heading);
  w.row({t.instance, t.labels, t.minutes_reported, t.last_reported});
  for (const auto& c : d.coverage)
    w.row({c.instance, detail::labels_text(c.labels), std::to_string(c.minutes),
           c.last_minute > 0 ? detail::format_time(c.last_minute, d.utc_offset_minutes) : std::string(t.never)});
}

void figure_sections(CsvWriter& w, const ReportData& d, Lang lang) {
  const auto& t = detail::texts(lang);
  w.section(t.totals_heading);
  w.row({t.action, t.count});
  for (const auto& a : d.totals) w.row({detail::action_label(a.action, lang), format_count(a.count, d.threshold)});
  w.row({t.bypass, format_count(d.bypass_attempts, d.threshold)});
  w.row({t.safesearch, format_count(d.safesearch_enforced, d.threshold)});
  w.section(t.trend_heading);
  w.row({t.day, t.category, t.count});
  for (const auto& r : d.blocked_trend)
    w.row({r.day, detail::category_label(r.category, lang), format_count(r.count, d.threshold)});
  w.section(t.top_heading);
  if (!d.top_domains_available) {
    w.row({t.top_unavailable});
  } else {
    w.row({t.category, t.domain, t.count});
    for (const auto& c : d.top_domains)
      for (const auto& dom : c.domains)
        w.row({detail::category_label(c.category, lang), dom.domain, format_count(dom.count, d.threshold)});
  }
}

void network_section(CsvWriter& w, const ReportData& d, Lang lang) {
  const auto& t = detail::texts(lang);
  w.section(t.per_network_heading);
  w.row({t.network, t.labels, t.action, t.count});
  for (const auto& n : d.per_network)
    for (const auto& a : n.actions)
      w.row({n.network, detail::labels_text(n.labels), detail::action_label(a.action, lang),
             format_count(a.count, d.threshold)});
}

}  // namespace

std::string render_csv(const ReportData& d, Lang lang) {
  CsvWriter w;
  header_sections(w, d, lang);
  coverage_sections(w, d, lang);
  figure_sections(w, d, lang);
  network_section(w, d, lang);
  return w.take();
}

}  // namespace sprout::stats
