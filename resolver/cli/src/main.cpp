// sproutdns: command-line entry point (serve and the subcommands).
#include <cstdio>
#include <string>
#include <vector>

#include "commands.hpp"
#include "sprout/control/server.hpp"
#include "sprout/core/version.hpp"

namespace {

constexpr const char* kUsage = R"(sproutdns - child-safe filtering DNS resolver

usage:
  sproutdns [serve] [--config FILE] [--ready-file PATH] [--user NAME]
      serve DNS; without --config, the embedded default: 127.0.0.1 and ::1 port 5354,
      upstreams from /etc/resolv.conf, queries from loopback and private networks only
  sproutdns check-config FILE     print every error in FILE; exit 0 if valid, 1 if not
  sproutdns lists [--config FILE] [--fetch]
      load every configured list and print name, category, source, entries, invalid
      lines, last refresh and state, when a transferred zone expires (--fetch:
      download URL lists now; one transfer of each axfr:// zone, reported)
  sproutdns explain [--config FILE] --client ADDR [--device NAME] [--at TIME] [--json] NAME [TYPE]
      the full decision for NAME asked by ADDR (as device NAME) at TIME (ISO 8601, default now)
  sproutdns devices [--config FILE]
      configured devices, and the MACs seen in queries or DHCP leases that no device has
  sproutdns pause [--config FILE] --device|--network|--profile NAME --for 30m|--until TIME|--cancel
                  [--service NAME | --domain NAME]      (or: sproutdns pause --list)
      pause filtering (or allow one service or domain) until then, via the running server
  sproutdns audit [--config FILE] [--last N] [--json]
      the newest audit log entries (who paused what, when, before and after)
  sproutdns passwd [-c FILE] [--user NAME] [--role admin|viewer] [--delete]
      add or change a dashboard account (password on stdin; default user admin), or delete one
  sproutdns report [--config FILE] --from YYYY-MM-DD --to YYYY-MM-DD [--scope label=value ...]
                   --format html|csv|json [--lang vi|en] -o FILE
      a privacy-safe report from the stats store (counts under the threshold shown as <5)
  sproutdns querylog [--config FILE] --from YYYY-MM-DD --to YYYY-MM-DD [--format csv|jsonl]
      export the opt-in query log (clients appear only as daily pseudonyms)
  sproutdns init --kind home|school|isp [-o FILE]
      write a commented starter config (to FILE, never over an existing one; else stdout)
  sproutdns --version
  sproutdns --help

options:
  --config FILE       YAML configuration (see README.md)
  --ready-file PATH   write the bound listeners ("udp ADDR PORT") here once serving
  --user NAME         when started as root, run as NAME after binding (default: nobody)
)";

int serve(const std::vector<std::string>& args) {
  sprout::control::ServeOptions options{.config_path = "", .ready_file = "", .user = "nobody"};
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
  return sprout::control::Server(options).run();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const std::string command = args.empty() ? "serve" : args[0];
  if (command == "--help" || command == "-h" || command == "help") return std::fputs(kUsage, stdout), 0;
  if (command == "--version" || command == "version") return std::printf("sproutdns %s\n", sprout::kVersion), 0;
  if (command == "check-config") return sprout::cli::check_config(args);
  if (command == "lists") return sprout::cli::lists(args);
  if (command == "explain") return sprout::cli::explain(args);
  if (command == "report") return sprout::cli::report(args);
  if (command == "querylog") return sprout::cli::querylog(args);
  if (command == "init") return sprout::cli::init(args);
  if (command == "devices") return sprout::cli::devices(args);
  if (command == "pause") return sprout::cli::pause(args);
  if (command == "audit") return sprout::cli::audit(args);
  if (command == "passwd") return sprout::cli::passwd(args);
  if (!args.empty() && args[0] == "serve") args.erase(args.begin());
  return serve(args);
}
