// JSON rendering of a report: English keys, counts below the threshold as the string "<N".
#include "report_text.hpp"

namespace sprout::stats {
namespace {

using detail::json_escape;

std::string str(std::string_view s) { return "\"" + json_escape(s) + "\""; }

std::string count(std::uint64_t n, int threshold) {
  return is_suppressed(n, threshold) ? str(format_count(n, threshold)) : std::to_string(n);
}

std::string labels_object(const std::map<std::string, std::string>& labels) {
  std::string out = "{";
  for (const auto& [k, v] : labels) out += (out.size() > 1 ? ", " : "") + str(k) + ": " + str(v);
  return out + "}";
}

std::string actions_array(const std::vector<ActionCount>& actions, int threshold, Lang lang, std::string_view indent) {
  std::string out = "[";
  for (std::size_t i = 0; i < actions.size(); ++i) {
    out += std::string(i ? "," : "") + "\n" + std::string(indent) + "  {\"action\": " + str(actions[i].action) +
           ", \"label\": " + str(detail::action_label(actions[i].action, lang)) +
           ", \"count\": " + count(actions[i].count, threshold) + "}";
  }
  return out + (actions.empty() ? "]" : "\n" + std::string(indent) + "]");
}

std::string privacy(const ReportData& d, Lang lang) {
  const auto& t = detail::texts(lang);
  std::string out = "  \"privacy\": {\n    \"threshold\": " + std::to_string(d.threshold) +
                    ",\n    \"suppressed_as\": " + str(format_count(0, d.threshold)) +
                    ",\n    \"aggregation\": \"per minute by network, category and action; blocked domains per day\"" +
                    ",\n    \"client_data\": \"none\",\n    \"rules\": [";
  const std::string_view rules[] = {t.privacy_threshold, t.privacy_chart, t.privacy_domains, t.privacy_aggregate,
                                    t.privacy_no_client};
  for (std::size_t i = 0; i < std::size(rules); ++i)
    out += std::string(i ? "," : "") + "\n      " + str(detail::with_threshold(rules[i], d.threshold));
  return out + "\n    ]\n  },\n";
}

std::string coverage(const ReportData& d) {
  std::string out = "  \"coverage\": {\n    \"networks\": [";
  for (std::size_t i = 0; i < d.networks.size(); ++i)
    out += std::string(i ? "," : "") + "\n      {\"name\": " + str(d.networks[i].name) +
           ", \"labels\": " + labels_object(d.networks[i].labels) + "}";
  out += std::string(d.networks.empty() ? "" : "\n    ") + "],\n    \"days_in_period\": " + std::to_string(d.days.size()) +
         ",\n    \"days_with_data\": [";
  for (std::size_t i = 0; i < d.days_with_data.size(); ++i) out += (i ? ", " : "") + str(d.days_with_data[i]);
  out += "],\n    \"lists\": [";
  for (std::size_t i = 0; i < d.lists.size(); ++i) {
    const auto& l = d.lists[i];
    out += std::string(i ? "," : "") + "\n      {\"name\": " + str(l.name) + ", \"category\": " + str(l.category) +
           ", \"entries\": " + std::to_string(l.entries) + ", \"last_refresh\": " +
           (l.last_refresh > 0 ? str(detail::format_time(l.last_refresh, d.utc_offset_minutes)) : "null") +
           ", \"state\": " + str(list_state_name(l.state)) + "}";
  }
  return out + (d.lists.empty() ? "" : "\n    ") + "]\n  },\n";
}

std::string trend(const ReportData& d) {
  std::string out = "  \"blocked_by_category_per_day\": [";
  for (std::size_t i = 0; i < d.blocked_trend.size(); ++i) {
    const auto& r = d.blocked_trend[i];
    out += std::string(i ? "," : "") + "\n    {\"day\": " + str(r.day) + ", \"category\": " + str(r.category) +
           ", \"count\": " + count(r.count, d.threshold) + "}";
  }
  return out + (d.blocked_trend.empty() ? "" : "\n  ") + "],\n";
}

std::string top_domains(const ReportData& d) {
  std::string out = "  \"top_blocked_domains\": {\"available\": " + std::string(d.top_domains_available ? "true" : "false") +
                    ", \"categories\": [";
  for (std::size_t i = 0; i < d.top_domains.size(); ++i) {
    out += std::string(i ? "," : "") + "\n    {\"category\": " + str(d.top_domains[i].category) + ", \"domains\": [";
    const auto& doms = d.top_domains[i].domains;
    for (std::size_t j = 0; j < doms.size(); ++j)
      out += std::string(j ? "," : "") + "\n      {\"domain\": " + str(doms[j].domain) +
             ", \"count\": " + count(doms[j].count, d.threshold) + "}";
    out += "\n    ]}";
  }
  return out + (d.top_domains.empty() ? "" : "\n  ") + "]},\n";
}

std::string per_network(const ReportData& d, Lang lang) {
  std::string out = "  \"per_network\": [";
  for (std::size_t i = 0; i < d.per_network.size(); ++i) {
    const auto& n = d.per_network[i];
    out += std::string(i ? "," : "") + "\n    {\"network\": " + str(n.network) + ", \"labels\": " +
           labels_object(n.labels) + ",\n     \"actions\": " + actions_array(n.actions, d.threshold, lang, "     ") + "}";
  }
  return out + (d.per_network.empty() ? "" : "\n  ") + "]\n";
}

}  // namespace

std::string render_json(const ReportData& d, Lang lang) {
  std::string out = "{\n  \"report\": \"sprout-dns-filtering\",\n  \"lang\": " + str(lang_code(lang)) +
                    ",\n  \"title\": " + str(detail::texts(lang).title) + ",\n  \"period\": {\"from\": " +
                    str(d.query.from.to_string()) + ", \"to\": " + str(d.query.to.to_string()) +
                    "},\n  \"generated_at\": " + str(detail::format_time(d.generated_at, d.utc_offset_minutes)) +
                    ",\n  \"scope\": [";
  for (std::size_t i = 0; i < d.query.scope.size(); ++i)
    out += std::string(i ? ", " : "") + "{\"label\": " + str(d.query.scope[i].first) +
           ", \"value\": " + str(d.query.scope[i].second) + "}";
  out += "],\n" + privacy(d, lang) + coverage(d);
  out += "  \"totals_by_action\": " + actions_array(d.totals, d.threshold, lang, "  ") + ",\n";
  out += "  \"bypass_attempts\": " + count(d.bypass_attempts, d.threshold) + ",\n";
  out += "  \"safesearch_enforced\": " + count(d.safesearch_enforced, d.threshold) + ",\n";
  out += trend(d) + top_domains(d) + per_network(d, lang) + "}\n";
  return out;
}

}  // namespace sprout::stats
