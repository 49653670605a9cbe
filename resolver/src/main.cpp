// sproutdns: command-line entry point (serve, check-config, --version, --help).
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <optional>

#include "sprout/blocklists/list_loader.hpp"
#include "sprout/config/loader.hpp"
#include "sprout/net/server.hpp"
#include "sprout/resolver/version.hpp"

namespace {

constexpr const char* kUsage = R"(sproutdns - child-safe filtering DNS resolver

usage:
  sproutdns [serve] [--config FILE] [--ready-file PATH] [--user NAME]
      serve DNS; without --config, the embedded default: 127.0.0.1 and ::1 port 5354,
      upstreams from /etc/resolv.conf, queries from loopback and private networks only
  sproutdns check-config FILE     print every error in FILE; exit 0 if valid, 1 if not
  sproutdns lists [--config FILE] [--fetch]
      load every configured list and print name, category, source, entries, invalid
      lines, last refresh and state (--fetch: download URL lists now)
  sproutdns --version
  sproutdns --help

options:
  --config FILE       YAML configuration (see README.md)
  --ready-file PATH   write the bound listeners ("udp ADDR PORT") here once serving
  --user NAME         when started as root, run as NAME after binding (default: nobody)
)";

int check_config(const std::string& path) {
  const auto result = sprout::config::load_file(path);
  for (const auto& e : result.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
  if (!result.errors.empty()) {
    std::fprintf(stderr, "%zu error%s\n", result.errors.size(), result.errors.size() == 1 ? "" : "s");
    return 1;
  }
  std::printf("%s: ok\n", path.c_str());
  return 0;
}

// Loads the config for commands that take --config FILE (or the embedded default).
std::optional<sprout::config::Config> load_config(const std::string& path) {
  if (path.empty()) return sprout::config::embedded_default();
  auto result = sprout::config::load_file(path);
  for (const auto& e : result.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
  return std::move(result.config);
}

int lists(const std::vector<std::string>& args) {
  std::string path;
  sprout::blocklists::LoadOptions options;
  options.fetch = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) path = args[++i];
    else if (args[i] == "--fetch") options.fetch = true;
    else return std::fprintf(stderr, "sproutdns lists: unknown option '%s'\n", args[i].c_str()), 2;
  }
  const auto cfg = load_config(path);
  if (!cfg) return 1;
  const auto loaded = sprout::blocklists::load_lists(*cfg, options);
  std::fputs(sprout::blocklists::format_status_table(loaded.lists).c_str(), stdout);
  std::printf("index: %zu names, %zu bytes\n", loaded.index.size(), loaded.index.memory_bytes());
  return 0;
}

int serve(const std::vector<std::string>& args) {
  sprout::net::ServeOptions options{.config_path = "", .ready_file = "", .user = "nobody"};
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (args[i] == "--config" && has_value) options.config_path = args[++i];
    else if (args[i] == "--ready-file" && has_value) options.ready_file = args[++i];
    else if (args[i] == "--user" && has_value) options.user = args[++i];
    else {
      std::fprintf(stderr, "sproutdns: unknown or incomplete option '%s'\n%s", args[i].c_str(), kUsage);
      return 2;
    }
  }
  return sprout::net::Server(options).run();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!args.empty() && (args[0] == "--version" || args[0] == "version")) {
    std::printf("sproutdns %s\n", sprout::kVersion);
    return 0;
  }
  if (!args.empty() && args[0] == "check-config") {
    if (args.size() != 2) {
      std::fputs(kUsage, stderr);
      return 2;
    }
    return check_config(args[1]);
  }
  if (!args.empty() && args[0] == "lists") return lists(args);
  if (!args.empty() && args[0] == "serve") args.erase(args.begin());
  return serve(args);
}
