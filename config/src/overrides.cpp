// The overrides file: the dashboard's changes, read and checked like the YAML (located errors).
#include <algorithm>
#include <fstream>
#include <sstream>

#include "node_reader.hpp"
#include "sprout/config/loader.hpp"
#include "values.hpp"
#include "yaml_document.hpp"

namespace sprout::config {
namespace {

using detail::Field;
using detail::Key;
using detail::Reader;

template <class T>
std::vector<std::string> names_of(const std::vector<T>& v) {
  std::vector<std::string> out;
  for (const auto& x : v) out.push_back(x.name);
  return out;
}

bool known(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::vector<std::string> domains(Reader& r, const Field& f) {
  std::vector<std::string> out;
  r.items(f, [&](const Field& item) {
    const auto text = r.string(item, "a domain name");
    if (!text) return;
    auto d = detail::normalize_domain(*text);
    if (!d.value) return r.error(item, "'" + *text + "' " + d.why);
    out.push_back(std::move(*d.value));
  });
  return out;
}

void read_profile(Reader& r, const Config& cfg, const std::string& name, const Field& f, ProfileOverride& p) {
  const auto profile = std::find_if(cfg.profiles.begin(), cfg.profiles.end(), [&](const Profile& x) { return x.name == name; });
  if (profile == cfg.profiles.end()) return r.error(f, "unknown profile '" + name + "' (defined: " + detail::join(names_of(cfg.profiles)) + ")");
  p.profile = name;
  const auto categories = names_of(cfg.categories), schedules = names_of(profile->schedules);
  r.fields(f, {{"allow", [&](const Field& v) { p.allow = domains(r, v); }},
               {"deny", [&](const Field& v) { p.deny = domains(r, v); }},
               {"categories", [&](const Field& v) {
                  r.entries(v, [&](const std::string& c, const Field& on) {
                    if (!known(categories, c)) return r.error(on, "unknown category '" + c + "' (defined: " + detail::join(categories) + ")");
                    if (const auto b = r.boolean(on)) p.categories[c] = *b;
                  });
                }},
               {"schedules", [&](const Field& v) {
                  r.entries(v, [&](const std::string& s, const Field& o) {
                    if (!known(schedules, s)) return r.error(o, "unknown schedule '" + s + "' of profile " + name + " (defined: " + detail::join(schedules) + ")");
                    ScheduleOverride so{s};
                    r.fields(o, {{"active", [&](const Field& a) { so.active = r.boolean(a).value_or(false); }, true},
                                 {"until", [&](const Field& u) { so.until = r.integer(u, 0, 1LL << 40).value_or(0); }, true}});
                    p.schedules.push_back(std::move(so));
                  });
                }}});
}

}  // namespace

std::vector<ConfigError> parse_overrides(std::string_view text, std::string_view file, const Config& cfg, Overrides& out) {
  Reader r{std::string(file)};
  detail::DocumentRead doc;
  try {
    doc = detail::read_document(text);
  } catch (const YAML::Exception& e) {
    r.error(e.mark, "", e.msg);
    return r.take_errors();
  }
  Overrides o{std::string(file), {}};
  if (doc.stuck) r.error(*doc.stuck, "", "cannot read JSON from here: '" + doc.stuck_text + "' does not start a value");
  if (!doc.root.IsNull() && !doc.root.IsMap()) r.error(YAML::Mark(), "", "expected an object at the top level, found " + Reader::describe(doc.root));
  if (!r.ok()) return r.take_errors();
  const Field root{doc.root, "", YAML::Mark()};
  r.fields(root, {{"profiles", [&](const Field& f) {
                     r.entries(f, [&](const std::string& name, const Field& p) {
                       ProfileOverride po;
                       read_profile(r, cfg, name, p, po);
                       if (!po.profile.empty()) o.profiles.push_back(std::move(po));
                     });
                   }}},
           true);
  if (r.ok()) out = std::move(o);
  return r.take_errors();
}

std::vector<ConfigError> load_overrides(const std::string& path, const Config& cfg, Overrides& out) {
  std::ifstream in(path);
  if (!in) {
    out = Overrides{path, {}};
    return {};  // no file: no overrides
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse_overrides(text.str(), path, cfg, out);
}

std::string overrides_file(const Config& cfg) { return cfg.state_dir + "/overrides.json"; }

std::vector<ConfigError> layer_overrides(Config& cfg) {
  Overrides o;
  auto errors = load_overrides(overrides_file(cfg), cfg, o);
  if (errors.empty()) cfg.overrides = std::move(o);
  return errors;
}

}  // namespace sprout::config
