// JSON rendering of a report: English keys, counts below the threshold as the string "<N".
#include "report_text.hpp"
#include "sprout/core/json.hpp"

namespace sprout::stats {
namespace {

using core::Json;

Json count(std::uint64_t n, int threshold) {
  if (is_suppressed(n, threshold)) return format_count(n, threshold);
  return n;
}

Json actions_array(const std::vector<ActionCount>& actions, int threshold, Lang lang) {
  Json out = Json::array();
  for (const auto& a : actions)
    out.push_back({{"action", a.action}, {"label", detail::action_label(a.action, lang)}, {"count", count(a.count, threshold)}});
  return out;
}

Json privacy(const ReportData& d, Lang lang) {
  const auto& t = detail::texts(lang);
  Json rules = Json::array();
  for (const std::string_view rule : {t.privacy_threshold, t.privacy_chart, t.privacy_domains, t.privacy_aggregate,
                                      t.privacy_no_client})
    rules.push_back(detail::with_threshold(rule, d.threshold));
  return {{"threshold", d.threshold},
          {"suppressed_as", format_count(0, d.threshold)},
          {"aggregation", "per minute by network, category and action; blocked domains per day"},
          {"client_data", "none"},
          {"rules", std::move(rules)}};
}

Json coverage(const ReportData& d) {
  Json networks = Json::array();
  for (const auto& n : d.networks) networks.push_back({{"name", n.name}, {"labels", n.labels}});
  Json lists = Json::array();
  for (const auto& l : d.lists) {
    lists.push_back({{"name", l.name},
                     {"category", l.category},
                     {"entries", l.entries},
                     {"last_refresh", l.last_refresh > 0 ? Json(detail::format_time(l.last_refresh, d.utc_offset_minutes)) : Json()},
                     {"state", list_state_name(l.state)}});
  }
  Json out = {{"networks", std::move(networks)},
               {"days_in_period", d.days.size()},
               {"days_with_data", d.days_with_data},
               {"lists", std::move(lists)}};
  // Central store only: every instance, so that one that stopped reporting is seen.
  if (!d.coverage.empty()) {
    Json instances = Json::array();
    for (const auto& c : d.coverage) {
      instances.push_back({{"instance", c.instance},
                           {"labels", c.labels},
                           {"minutes_reported", c.minutes},
                           {"last_reported", c.last_minute > 0 ? Json(detail::format_time(c.last_minute, d.utc_offset_minutes)) : Json()}});
    }
    out["instances"] = std::move(instances);
  }
  return out;
}

Json trend(const ReportData& d) {
  Json out = Json::array();
  for (const auto& r : d.blocked_trend)
    out.push_back({{"day", r.day}, {"category", r.category}, {"count", count(r.count, d.threshold)}});
  return out;
}

Json top_domains(const ReportData& d) {
  Json categories = Json::array();
  for (const auto& c : d.top_domains) {
    Json domains = Json::array();
    for (const auto& dom : c.domains) domains.push_back({{"domain", dom.domain}, {"count", count(dom.count, d.threshold)}});
    categories.push_back({{"category", c.category}, {"domains", std::move(domains)}});
  }
  return {{"available", d.top_domains_available}, {"categories", std::move(categories)}};
}

Json per_network(const ReportData& d, Lang lang) {
  Json out = Json::array();
  for (const auto& n : d.per_network)
    out.push_back({{"network", n.network}, {"labels", n.labels}, {"actions", actions_array(n.actions, d.threshold, lang)}});
  return out;
}

}  // namespace

std::string render_json(const ReportData& d, Lang lang) {
  Json scope = Json::array();
  for (const auto& [label, value] : d.query.scope) scope.push_back({{"label", label}, {"value", value}});
  const Json report = {{"report", "sprout-dns-filtering"},
                       {"lang", lang_code(lang)},
                       {"title", detail::texts(lang).title},
                       {"period", {{"from", d.query.from.to_string()}, {"to", d.query.to.to_string()}}},
                       {"generated_at", detail::format_time(d.generated_at, d.utc_offset_minutes)},
                       {"scope", std::move(scope)},
                       {"privacy", privacy(d, lang)},
                       {"coverage", coverage(d)},
                       {"totals_by_action", actions_array(d.totals, d.threshold, lang)},
                       {"bypass_attempts", count(d.bypass_attempts, d.threshold)},
                       {"safesearch_enforced", count(d.safesearch_enforced, d.threshold)},
                       {"blocked_by_category_per_day", trend(d)},
                       {"top_blocked_domains", top_domains(d)},
                       {"per_network", per_network(d, lang)}};
  return core::dump_json(report, 2) + "\n";
}

}  // namespace sprout::stats
