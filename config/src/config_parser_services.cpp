// Blocked services: names in profiles and schedules, catalogue overrides, and the category and
// list each used service becomes (so decisions, explain, metrics and reports see a category).
#include <algorithm>

#include "config_parser.hpp"
#include "sprout/config/services.hpp"
#include "values.hpp"

namespace sprout::config::detail {

std::vector<std::string> ConfigParser::read_service_names(const Field& f) {
  std::vector<std::string> out;
  r_.items(f, [&](const Field& i) {
    auto name = reference(i, services_, "service");
    if (!name || std::find(out.begin(), out.end(), *name) != out.end()) return;
    used_services_.insert(*name);
    out.push_back(*name);
  });
  return out;
}

void ConfigParser::read_service(const std::string& name, const Field& f) {
  Service s{name, "builtin:" + std::string(kServiceListPrefix) + name, std::chrono::hours(24)};
  bool have_source = false;
  r_.fields(f, {
      {"source", [&](const Field& v) {
         auto text = r_.string(v, "a file path or an http(s) URL");
         if (!text || text->empty()) {
           if (text) r_.error(v, "expected a file path or an http(s) URL, found an empty string");
           return;
         }
         have_source = true;
         const bool url = text->starts_with("http://") || text->starts_with("https://") || text->starts_with("builtin:");
         s.source = url ? *text : resolve_path(*text);
       }},
      {"refresh", [&](const Field& v) {
         if (auto d = r_.duration(v, std::chrono::minutes(1), std::chrono::hours(24 * 30)))
           s.refresh = std::chrono::duration_cast<std::chrono::seconds>(*d);
       }},
  });
  if (!have_source && builtin_service(name) == nullptr && f.node.IsMap()) {
    r_.error(f, "service '" + name + "' is not in the catalogue, so it needs a 'source' (a file or an http(s) URL)");
  }
  used_services_.insert(name);  // defined: it is listed by `sproutdns lists` even if unused
  cfg_->services.push_back(std::move(s));
}

// Each used service becomes a category of its own name fed by one list; a user category of
// the same name would make reports mix the two.
void ConfigParser::add_service_lists(const Field& root) {
  for (const std::string& name : used_services_) {
    const auto same = [&](const Category& c) { return c.name == name; };
    if (std::any_of(cfg_->categories.begin(), cfg_->categories.end(), same)) {
      const YAML::Node& doc = root.node;
      const YAML::Node key = doc["categories"];
      r_.error(Field{key, "categories." + name, key.Mark()},
               "category '" + name + "' has the name of a service (rename the category, or block the service with services: [" + name + "])");
      continue;
    }
    const ServiceInfo* info = builtin_service(name);
    cfg_->categories.push_back({name, info != nullptr ? std::string(info->title()) : name});
    List l;
    l.name = std::string(kServiceListPrefix) + name;
    l.category = name;
    l.source = "builtin:" + l.name;
    l.format = ListFormat::domains;
    for (const Service& s : cfg_->services) {
      if (s.name == name) {
        l.source = s.source;
        l.refresh = s.refresh;
        l.format = ListFormat::auto_detect;  // an override may be a hosts or adblock file
      }
    }
    cfg_->lists.push_back(std::move(l));
  }
  // A category past the 64th would silently block nothing (one bit each in the index).
  constexpr std::size_t kMaxCategories = 64;
  if (cfg_->categories.size() > kMaxCategories) {
    r_.error(root, std::to_string(cfg_->categories.size()) + " categories, counting one per service used (at most " +
                       std::to_string(kMaxCategories) + ")");
  }
}

}  // namespace sprout::config::detail
