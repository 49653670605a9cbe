// Internal: typed, located reading of yaml-cpp nodes; every mismatch becomes a ConfigError.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sprout/config/config.hpp"
#include "sprout/config/loader.hpp"

namespace sprout::config::detail {

// A node together with its YAML path and the position errors about it point at.
struct Field {
  YAML::Node node;
  std::string path;
  YAML::Mark mark;

  [[nodiscard]] Field child(const YAML::Node& key, const YAML::Node& value) const;
  [[nodiscard]] Field item(std::size_t index, const YAML::Node& value) const;
};

// One valid key of a map and what to do with its value.
struct Key {
  std::string_view name;
  std::function<void(const Field&)> read;
  bool required = false;
};

template <class E>
using Choices = std::initializer_list<std::pair<std::string_view, E>>;

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  void error(const Field& at, std::string message);
  void error(const YAML::Mark& mark, std::string path, std::string message);
  std::vector<ConfigError> take_errors();
  [[nodiscard]] bool ok() const { return errors_.empty(); }

  // Maps with a fixed key set; a null value counts as an empty map. `top` words messages
  // for the document itself.
  void fields(const Field& map, std::initializer_list<Key> keys, bool top = false);
  // Maps of user-chosen names (categories, lists, ...); duplicate names are reported.
  void entries(const Field& map, const std::function<void(const std::string&, const Field&)>& read);
  // Lists; a null value counts as an empty list.
  void items(const Field& list, const std::function<void(const Field&)>& read);

  // `what` names the expected kind in the message: "expected an integer, found a map".
  std::optional<std::string> string(const Field& f, std::string_view what = "a scalar");
  std::optional<long long> integer(const Field& f, long long lo, long long hi);
  std::optional<bool> boolean(const Field& f);
  std::optional<std::chrono::milliseconds> duration(const Field& f, std::chrono::milliseconds lo,
                                                    std::chrono::milliseconds hi);
  std::optional<std::uint64_t> size(const Field& f, std::uint64_t lo, std::uint64_t hi);
  std::optional<IpAddress> address(const Field& f);
  std::vector<std::string> strings(const Field& f);

  template <class E>
  std::optional<E> choice(const Field& f, Choices<E> choices) {
    auto text = string(f, "a scalar");
    if (!text) return std::nullopt;
    std::vector<std::string> names;
    for (const auto& [name, value] : choices) {
      if (name == *text) return value;
      names.emplace_back(name);
    }
    error(f, "'" + *text + "' is not valid (valid: " + join_names(names) + ")");
    return std::nullopt;
  }

  static std::string describe(const YAML::Node& n);  // "a map", "a list", "nothing", "'text'"

 private:
  bool expect_map(const Field& f);
  // Reports the key; returns the valid key it was probably meant to be.
  std::optional<std::string> unknown_key(const Field& map, const YAML::Node& key, const std::vector<std::string>& valid, bool top);
  static std::string join_names(const std::vector<std::string>& names);

  std::string file_;
  std::vector<ConfigError> errors_;
};

}  // namespace sprout::config::detail
