// Loading and validating configuration: every error located as file:line:col with its YAML path.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sprout/config/config.hpp"

namespace sprout::config {

struct ConfigError {
  std::string file;
  int line = 0;    // 1-based; 0 when not tied to a position
  int column = 0;  // 1-based
  std::string path;     // "upstreams[0].port", "" for the document itself
  std::string message;  // "'99999' is out of range (1-65535)"
  [[nodiscard]] std::string to_string() const;  // "file:line:col: path: message"
};

struct LoadResult {
  std::optional<Config> config;          // set only when errors is empty
  std::vector<ConfigError> errors;
};

// Parses YAML text; `file` is used only in messages.
LoadResult load_string(std::string_view yaml, std::string_view file);
LoadResult load_file(const std::string& path);

// The embedded default: listen 127.0.0.1:5354 and [::1]:5354, upstreams from
// /etc/resolv.conf, loopback and private networks allowed.
Config embedded_default();

// The commented reference config for `kind` (config/examples/KIND.yaml: home, school, isp),
// compiled in for `sproutdns init`; nothing for another kind.
std::optional<std::string_view> starter_config(std::string_view kind);
inline constexpr std::string_view kStarterKinds = "home, school, isp";

// The overrides file (JSON, read by the same located reader as the YAML: JSON is YAML) checked
// against `cfg`: every profile, category and schedule it names must exist there, every domain
// be a domain. Errors are file:line:col: path: message; `out` is set only without errors.
std::vector<ConfigError> parse_overrides(std::string_view text, std::string_view file, const Config& cfg, Overrides& out);
// The same from a file; a missing file is no overrides.
std::vector<ConfigError> load_overrides(const std::string& path, const Config& cfg, Overrides& out);
// Where the dashboard keeps them: <state_dir>/overrides.json.
[[nodiscard]] std::string overrides_file(const Config& cfg);
// Layers overrides_file(cfg) on `cfg` (serve, explain, lists: the same policy). A file with
// errors is not applied: its errors are returned, located in it.
std::vector<ConfigError> layer_overrides(Config& cfg);

// Nameservers from a resolv.conf-style file (IPv4 and IPv6, port 53); empty if none.
std::vector<Upstream> upstreams_from_resolv_conf(const std::string& path = "/etc/resolv.conf");

}  // namespace sprout::config
