#include "sprout/config/loader.hpp"
#include "sprout/config/printable.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "address_parts.hpp"
#include "config_parser.hpp"
#include "node_reader.hpp"
#include "yaml_document.hpp"

namespace sprout::config {
namespace detail {
extern const std::string_view kEmbeddedDefaultYaml;  // generated from examples/default.yaml
extern const std::string_view kStarterHomeYaml, kStarterSchoolYaml, kStarterIspYaml;  // examples/KIND.yaml
}
namespace {

constexpr std::string_view kEmbeddedSource = "<embedded default>";
constexpr std::array<std::string_view, 8> kLocalNetworks{
    "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12",
    "192.168.0.0/16", "100.64.0.0/10", "fc00::/7", "fe80::/10"};

void apply_defaults(Config& c, bool saw_listen, bool saw_networks) {
  if (!saw_listen) {
    c.listen = {*detail::parse_endpoint("127.0.0.1:5354"), *detail::parse_endpoint("[::1]:5354")};
  }
  bool has_default = false;
  for (const auto& p : c.profiles) has_default = has_default || p.name == "default";
  if (!has_default) {
    Profile p;
    p.name = "default";
    c.profiles.push_back(std::move(p));
  }
  // No networks configured: answer only this host and private ranges, never the world.
  if (!saw_networks) {
    Network n;
    n.name = "default";
    n.profile = "default";
    for (auto text : kLocalNetworks) n.cidrs.push_back(*IpPrefix::parse(text));
    c.networks.push_back(std::move(n));
  }
}

LoadResult load_with_base(std::string_view yaml, std::string_view file, const std::filesystem::path& base) {
  detail::Reader reader{std::string(file)};
  detail::DocumentRead doc;
  try {
    doc = detail::read_document(yaml);
  } catch (const YAML::Exception& e) {
    reader.error(e.mark, "", e.msg);
    return LoadResult{std::nullopt, reader.take_errors()};
  }
  if (doc.stuck) {
    reader.error(*doc.stuck, "", "cannot read YAML from here: '" + doc.stuck_text + "' does not start a value");
    return LoadResult{std::nullopt, reader.take_errors()};
  }
  YAML::Node root = doc.root;
  if (doc.second) reader.error(*doc.second, "", "found a second YAML document (a config file holds exactly one)");
  Config cfg;
  cfg.source = std::string(file);
  detail::ConfigParser parser(reader, base);
  YAML::Mark start;  // 0:0 -> 1:1, where a wrong document type is reported
  if (!root.IsNull() && !root.IsMap()) {
    reader.error(start, "", "expected a map at the top level, found " + detail::Reader::describe(root));
  } else {
    try {
      parser.parse(detail::Field{root, "", start}, cfg);
    } catch (const YAML::Exception& e) {  // not expected: the reader never converts with as<>
      reader.error(e.mark, "", e.msg);
    }
  }
  if (!reader.ok()) return LoadResult{std::nullopt, reader.take_errors()};
  apply_defaults(cfg, parser.saw_listen(), parser.saw_networks());
  return LoadResult{std::move(cfg), {}};
}

// Reads a whole file; on failure returns nullopt and leaves errno's text in `why`.
std::optional<std::string> read_all(const std::string& path, std::string& why) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  std::string text;
  char buf[65536];
  ssize_t n = 0;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  if (n < 0) why = std::strerror(errno);
  ::close(fd);
  if (n < 0) return std::nullopt;
  return text;
}

}  // namespace

std::string ConfigError::to_string() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": ";
  // Values echoed from the file may hold control bytes: never raw on the admin's terminal.
  if (!path.empty()) out += printable(path) + ": ";
  return out + printable(message);
}

LoadResult load_string(std::string_view yaml, std::string_view file) {
  std::error_code ec;
  auto cwd = std::filesystem::current_path(ec);
  return load_with_base(yaml, file, cwd);
}

LoadResult load_file(const std::string& path) {
  std::string why;
  auto text = read_all(path, why);
  if (!text) return LoadResult{std::nullopt, {ConfigError{path, 0, 0, "", "cannot read: " + why}}};
  std::error_code ec;
  auto base = std::filesystem::absolute(path, ec).parent_path();
  return load_with_base(*text, path, base);
}

// Root keeps state in /var/lib/sprout; anyone else in their own state directory.
std::string default_state_dir() {
  if (::geteuid() == 0) return "/var/lib/sprout";
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && *xdg == '/') return std::string(xdg) + "/sprout";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') return std::string(home) + "/.local/state/sprout";
  return "/tmp/sprout-" + std::to_string(::geteuid());
}

std::optional<std::string_view> starter_config(std::string_view kind) {
  if (kind == "home") return detail::kStarterHomeYaml;
  if (kind == "school") return detail::kStarterSchoolYaml;
  if (kind == "isp") return detail::kStarterIspYaml;
  return std::nullopt;
}

Config embedded_default() {
  LoadResult r = load_with_base(detail::kEmbeddedDefaultYaml, kEmbeddedSource, std::filesystem::current_path());
  // The text is part of the build and checked by the test suite; an empty config is the
  // fallback should it ever fail, so the resolver still starts safe (no lists, local only).
  Config c = r.config ? std::move(*r.config) : Config{};
  if (!r.config) apply_defaults(c, false, false);
  c.source = std::string(kEmbeddedSource);
  c.state_dir = default_state_dir();
  c.upstreams = upstreams_from_resolv_conf();
  return c;
}

std::vector<Upstream> upstreams_from_resolv_conf(const std::string& path) {
  std::vector<Upstream> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string keyword;
    std::string value;
    if (!(words >> keyword >> value) || keyword != "nameserver") continue;
    // Link-local addresses with a zone id ("fe80::1%eth0") cannot be expressed here: skip.
    if (auto a = IpAddress::parse(value)) {
      Upstream u;
      u.address = *a;
      out.push_back(u);
    }
  }
  return out;
}

}  // namespace sprout::config
