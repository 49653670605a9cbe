#include "node_reader.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include "values.hpp"

namespace sprout::config::detail {
namespace {

// A null value has no position of its own (yaml-cpp points past it), so use the key's.
YAML::Mark mark_of(const YAML::Node& value, const YAML::Mark& fallback) {
  if (!value.IsDefined() || value.IsNull() || value.Mark().line < 0) return fallback;
  return value.Mark();
}

std::string key_text(const YAML::Node& key) {
  return key.IsScalar() ? key.Scalar() : Reader::describe(key);
}

}  // namespace

Field Field::child(const YAML::Node& key, const YAML::Node& value) const {
  std::string name = key_text(key);
  return Field{value, path.empty() ? name : path + "." + name, mark_of(value, key.Mark())};
}

Field Field::item(std::size_t index, const YAML::Node& value) const {
  return Field{value, path + "[" + std::to_string(index) + "]", mark_of(value, mark)};
}

void Reader::error(const Field& at, std::string message) { error(at.mark, at.path, std::move(message)); }

void Reader::error(const YAML::Mark& mark, std::string path, std::string message) {
  int line = mark.line < 0 ? 0 : mark.line + 1;
  int column = mark.line < 0 ? 0 : mark.column + 1;
  errors_.push_back(ConfigError{file_, line, column, std::move(path), std::move(message)});
}

std::vector<ConfigError> Reader::take_errors() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::pair(a.line, a.column) < std::pair(b.line, b.column);
  });
  return std::move(errors_);
}

std::string Reader::describe(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsMap()) return "a map";
  if (n.IsSequence()) return "a list";
  return "'" + n.Scalar() + "'";
}

std::string Reader::join_names(const std::vector<std::string>& names) { return join(names); }

bool Reader::expect_map(const Field& f) {
  if (f.node.IsMap()) return true;
  if (!f.node.IsNull()) error(f, "expected a map, found " + describe(f.node));
  return false;
}

std::optional<std::string> Reader::unknown_key(const Field& map, const YAML::Node& key,
                                               const std::vector<std::string>& valid, bool top) {
  std::string name = key_text(key);
  std::string hint;
  auto guess = closest(name, valid);
  if (guess) hint = "did you mean '" + *guess + "'?";
  else hint = "valid: " + join(valid);
  error(key.Mark(), top ? "" : map.path, std::string(top ? "unknown top-level key '" : "unknown key '") +
                                             name + "' (" + hint + ")");
  return guess;
}

void Reader::fields(const Field& map, std::initializer_list<Key> keys, bool top) {
  std::vector<std::string> valid;
  for (const auto& k : keys) valid.emplace_back(k.name);
  std::map<std::string, int> seen;  // key -> 1-based line of its first use
  std::vector<std::string> suggested;  // a typo already explained stands in for its key
  if (expect_map(map)) {
    for (const auto& kv : map.node) {
      std::string name = key_text(kv.first);
      const Field value = map.child(kv.first, kv.second);
      auto key = std::find_if(keys.begin(), keys.end(), [&](const Key& k) { return k.name == name; });
      if (key == keys.end()) {
        if (auto guess = unknown_key(map, kv.first, valid, top)) suggested.push_back(*guess);
      } else if (auto [it, fresh] = seen.emplace(name, kv.first.Mark().line + 1); !fresh) {
        error(kv.first.Mark(), map.path,
              "duplicate key '" + name + "' (first set on line " + std::to_string(it->second) + ")");
      } else {
        key->read(value);
      }
    }
  }
  if (!map.node.IsNull() && !map.node.IsMap()) return;
  for (const auto& k : keys) {
    const std::string name(k.name);
    if (k.required && seen.count(name) == 0 &&
        std::find(suggested.begin(), suggested.end(), name) == suggested.end()) {
      error(map, "missing required key '" + std::string(k.name) + "'");
    }
  }
}

void Reader::entries(const Field& map, const std::function<void(const std::string&, const Field&)>& read) {
  if (!expect_map(map)) return;
  std::map<std::string, int> seen;
  for (const auto& kv : map.node) {
    if (!kv.first.IsScalar() || kv.first.Scalar().empty()) {
      error(kv.first.Mark(), map.path, "expected a name, found " + describe(kv.first));
      continue;
    }
    const std::string& name = kv.first.Scalar();
    if (auto [it, fresh] = seen.emplace(name, kv.first.Mark().line + 1); !fresh) {
      error(kv.first.Mark(), map.path,
            "duplicate name '" + name + "' (first defined on line " + std::to_string(it->second) + ")");
      continue;
    }
    read(name, map.child(kv.first, kv.second));
  }
}

void Reader::items(const Field& list, const std::function<void(const Field&)>& read) {
  if (list.node.IsNull()) return;
  if (!list.node.IsSequence()) {
    error(list, "expected a list, found " + describe(list.node));
    return;
  }
  for (std::size_t i = 0; i < list.node.size(); ++i) read(list.item(i, list.node[i]));
}

std::optional<std::string> Reader::string(const Field& f, std::string_view what) {
  if (f.node.IsScalar()) return f.node.Scalar();
  error(f, "expected " + std::string(what) + ", found " + describe(f.node));
  return std::nullopt;
}

std::optional<long long> Reader::integer(const Field& f, long long lo, long long hi) {
  auto text = string(f, "an integer");
  if (!text) return std::nullopt;
  long long value = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  const std::string range = std::to_string(lo) + "-" + std::to_string(hi);
  if (text->empty() || ptr != end || ec == std::errc::invalid_argument) {
    error(f, "'" + *text + "' is not an integer (expected " + range + ")");
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range || value < lo || value > hi) {
    error(f, "'" + *text + "' is out of range (" + range + ")");
    return std::nullopt;
  }
  return value;
}

std::optional<bool> Reader::boolean(const Field& f) {
  auto text = string(f, "a boolean");
  if (!text) return std::nullopt;
  std::string lower = *text;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "true") return true;
  if (lower == "false") return false;
  error(f, "'" + *text + "' is not a boolean (expected true or false)");
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> Reader::duration(const Field& f, std::chrono::milliseconds lo,
                                                          std::chrono::milliseconds hi) {
  auto text = string(f, "a duration");
  if (!text) return std::nullopt;
  auto parsed = parse_duration(*text);
  if (!parsed.value) {
    error(f, "'" + *text + "' " + parsed.why);
  } else if (*parsed.value < lo || *parsed.value > hi) {
    error(f, "'" + *text + "' is out of range (" + format_duration(lo) + "-" + format_duration(hi) + ")");
    return std::nullopt;
  }
  return parsed.value;
}

std::optional<std::uint64_t> Reader::size(const Field& f, std::uint64_t lo, std::uint64_t hi) {
  auto text = string(f, "a size");
  if (!text) return std::nullopt;
  auto parsed = parse_size(*text);
  if (!parsed.value) {
    error(f, "'" + *text + "' " + parsed.why);
  } else if (*parsed.value < lo || *parsed.value > hi) {
    error(f, "'" + *text + "' is out of range (" + format_size(lo) + "-" + format_size(hi) + ")");
    return std::nullopt;
  }
  return parsed.value;
}

std::optional<IpAddress> Reader::address(const Field& f) {
  auto text = string(f, "an IP address");
  if (!text) return std::nullopt;
  auto a = IpAddress::parse(*text);
  if (!a) error(f, "'" + *text + "' is not an IP address (expected e.g. 192.0.2.1 or 2001:db8::1)");
  return a;
}

std::vector<std::string> Reader::strings(const Field& f) {
  std::vector<std::string> out;
  items(f, [&](const Field& item) {
    if (auto s = string(item)) out.push_back(*s);
  });
  return out;
}

}  // namespace sprout::config::detail
