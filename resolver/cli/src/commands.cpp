// check-config, lists, explain: thin shells over the same code the server runs.
#include "commands.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "sprout/blocklists/list_loader.hpp"
#include "sprout/transfer/transfer_client.hpp"
#include "sprout/config/loader.hpp"
#include "sprout/config/printable.hpp"
#include "sprout/control/list_refresher.hpp"
#include "sprout/time/clock.hpp"
#include "sprout/time/time_zone.hpp"
#include "sprout/core/explain.hpp"
#include "sprout/stats/query_log.hpp"
#include "sprout/stats/report_command.hpp"

namespace sprout::cli {

std::optional<config::Config> load_config(const std::string& path) {
  if (path.empty()) return config::embedded_default();
  auto result = config::load_file(path);
  for (const auto& e : result.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
  // The dashboard's overrides too, as serving layers them (explain must say what serving does).
  if (result.config) {
    for (const auto& e : config::layer_overrides(*result.config)) std::fprintf(stderr, "%s (overrides not applied)\n", e.to_string().c_str());
  }
  return std::move(result.config);
}

int check_config(const std::vector<std::string>& args) {
  if (args.size() != 2) {
    std::fputs("usage: sproutdns check-config FILE\n", stderr);
    return 2;
  }
  const auto result = config::load_file(args[1]);
  for (const auto& e : result.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
  if (!result.errors.empty()) {
    std::fprintf(stderr, "%zu error%s\n", result.errors.size(), result.errors.size() == 1 ? "" : "s");
    return 1;
  }
  std::printf("%s: ok\n", args[1].c_str());
  return 0;
}

// `lists --fetch` for lists fed by zone transfer: one transfer each (an IXFR from the stored
// copy when there is one), reported on a line; the copy itself is the server's to replace,
// so the table below still shows what it serves.
static void check_transfers(const config::Config& cfg) {
  for (const config::List& l : cfg.lists) {
    if (!l.transfer) continue;
    auto stored = transfer::load_stored_zone(blocklists::list_content_path(cfg, l));
    const auto r = transfer::transfer_zone_now(*l.transfer, l.max_bytes,
                                               stored ? std::optional<transfer::RpzZone>(std::move(stored->zone)) : std::nullopt);
    const std::string name = config::printable(l.name), zone = config::printable(l.transfer->zone);
    if (r.outcome == transfer::Outcome::failed) {
      std::printf("%s: transfer of %s failed: %s\n", name.c_str(), zone.c_str(), config::printable(r.error).c_str());
    } else if (!r.zone) {
      std::printf("%s: zone %s up to date at serial %u (from %s, %lld ms)\n", name.c_str(), zone.c_str(),
                  stored ? stored->zone.soa.serial : 0u, r.primary.c_str(), static_cast<long long>(r.took.count()));
    } else {
      std::printf("%s: zone %s serial %u by %s: %zu records (from %s, %zu messages, %lld ms)\n", name.c_str(), zone.c_str(),
                  r.zone->soa.serial, r.delta ? "IXFR" : "AXFR", r.zone->records.size(), r.primary.c_str(), r.messages,
                  static_cast<long long>(r.took.count()));
    }
  }
}

int lists(const std::vector<std::string>& args) {
  std::string path;
  blocklists::LoadOptions options;
  options.fetch = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) path = args[++i];
    else if (args[i] == "--fetch") options.fetch = true;
    else return std::fprintf(stderr, "sproutdns lists: unknown option '%s'\n", args[i].c_str()), 2;
  }
  const auto cfg = load_config(path);
  if (!cfg) return 1;
  if (options.fetch) check_transfers(*cfg);
  const auto loaded = blocklists::load_lists(*cfg, options);
  std::fputs(blocklists::format_status_table(loaded.lists).c_str(), stdout);
  std::printf("index: %zu names, %zu bytes\n", loaded.index.size(), loaded.index.memory_bytes());
  return 0;
}

// Writes a commented starter config; never over an existing file (an admin's edits stay).
int init(const std::vector<std::string>& args) {
  std::string kind, output;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const bool has = i + 1 < args.size();
    if (args[i] == "--kind" && has) kind = args[++i];
    else if ((args[i] == "-o" || args[i] == "--output") && has) output = args[++i];
    else return std::fprintf(stderr, "sproutdns init: unknown or incomplete option '%s'\n", config::printable(args[i]).c_str()), 2;
  }
  const auto text = config::starter_config(kind);
  if (!text) {
    std::fprintf(stderr, "usage: sproutdns init --kind KIND [-o FILE]   (KIND: %s; got '%s')\n",
                 std::string(config::kStarterKinds).c_str(), config::printable(kind).c_str());
    return 2;
  }
  if (output.empty()) return std::fwrite(text->data(), 1, text->size(), stdout) == text->size() ? 0 : 1;
  std::FILE* f = std::fopen(output.c_str(), "wx");  // x: fails if it exists
  if (f == nullptr) {
    std::fprintf(stderr, "sproutdns init: cannot create %s: %s\n", config::printable(output).c_str(), std::strerror(errno));
    return 1;
  }
  const bool ok = std::fwrite(text->data(), 1, text->size(), f) == text->size();
  if (std::fclose(f) != 0 || !ok) return std::fprintf(stderr, "sproutdns init: cannot write %s\n", config::printable(output).c_str()), 1;
  std::printf("wrote %s (%s starter config): check it with sproutdns check-config %s\n", config::printable(output).c_str(),
              kind.c_str(), config::printable(output).c_str());
  return 0;
}

int explain(const std::vector<std::string>& args) {
  std::string path, client, at_text, device, client_id;
  bool json = false;
  std::vector<std::string> rest;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const bool has = i + 1 < args.size();
    if (args[i] == "--config" && has) path = args[++i];
    else if (args[i] == "--client" && has) client = args[++i];
    else if (args[i] == "--at" && has) at_text = args[++i];
    else if (args[i] == "--device" && has) device = args[++i];
    else if (args[i] == "--client-id" && has) client_id = args[++i];
    else if (args[i] == "--json") json = true;
    else rest.push_back(args[i]);
  }
  // A DoT/DoH client roams: its address does not pick its profile, so it may be left out.
  if (client.empty() && !client_id.empty()) client = "0.0.0.0";
  const auto address = config::IpAddress::parse(client);
  const auto at = at_text.empty() ? std::optional(core::process_clock().now()) : time::parse_iso8601(at_text);
  if (!address || !at || rest.empty() || rest.size() > 2) {
    std::fputs("usage: sproutdns explain [--config FILE] --client ADDR|--client-id ID [--device NAME] [--at 2026-12-01T08:00:00+07:00] [--json] NAME [TYPE]\n", stderr);
    return 2;
  }
  auto cfg = load_config(path);
  if (!cfg) return 1;
  auto snap = control::build_snapshot(std::make_shared<const config::Config>(std::move(*cfg)), false, nullptr, nullptr);
  const core::DevicePolicy* dev = device.empty() ? nullptr : snap->devices.by_name(device);
  if (!device.empty() && dev == nullptr) {
    std::fprintf(stderr, "sproutdns explain: unknown device '%s' (defined: %s)\n", config::printable(device).c_str(),
                 snap->devices.names().c_str());
    return 2;
  }
  const core::NetworkPolicy* id = client_id.empty() ? nullptr : snap->networks.client(client_id);
  if (!client_id.empty() && id == nullptr) {
    std::string names;
    for (const auto& c : snap->config->clients) names += (names.empty() ? "" : ", ") + c.id;
    std::fprintf(stderr, "sproutdns explain: unknown client ID '%s' (defined: %s)\n", config::printable(client_id).c_str(),
                 names.empty() ? "none" : names.c_str());
    return 2;
  }
  const auto e = core::explain(*snap, *address, rest[0], rest.size() > 1 ? rest[1] : "A", *at, dev, id);
  std::fputs((json ? core::to_json(e) + "\n" : core::to_text(e)).c_str(), stdout);
  return 0;
}

int report(const std::vector<std::string>& args) {
  std::string path;
  std::vector<std::string> rest;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) path = args[++i];
    else rest.push_back(args[i]);
  }
  const auto cfg = load_config(path);
  if (!cfg) return 1;
  std::string error;
  const auto zone = cfg->timezone == "UTC" ? std::optional(time::TimeZone::utc()) : time::TimeZone::load(cfg->timezone, error);
  if (!zone) {  // days would start at the wrong hour: say so rather than report on UTC days
    std::fprintf(stderr, "sproutdns report: %s\n", error.c_str());
    return 1;
  }
  stats::StatsOptions options;
  const int offset = static_cast<int>(zone->utc_offset(std::chrono::system_clock::now()).count() / 60);
  if (auto s = stats::options_from_config(*cfg, offset, options); !s) {
    std::fprintf(stderr, "sproutdns report: %s\n", s.error.c_str());
    return 1;
  }
  return stats::run_report_command(rest, options);
}

int querylog(const std::vector<std::string>& args) {
  std::string path, from, to, format = "csv";
  for (std::size_t i = 1; i + 1 < args.size(); i += 2) {
    if (args[i] == "--config") path = args[i + 1];
    else if (args[i] == "--from") from = args[i + 1];
    else if (args[i] == "--to") to = args[i + 1];
    else if (args[i] == "--format") format = args[i + 1];
  }
  const auto f = stats::Date::parse(from), t = stats::Date::parse(to);
  if (!f || !t || (format != "csv" && format != "jsonl") || args.size() % 2 == 0) {
    std::fputs("usage: sproutdns querylog [--config FILE] --from YYYY-MM-DD --to YYYY-MM-DD [--format csv|jsonl]\n", stderr);
    return 2;
  }
  const auto cfg = load_config(path);
  if (!cfg) return 1;
  stats::QueryLogOptions o;
  o.enabled = true;  // exporting what an enabled log wrote earlier
  o.db_path = cfg->query_log.database.empty() ? cfg->state_dir + "/querylog.sqlite" : cfg->query_log.database;
  stats::QueryLog log(o);
  const auto s = log.export_range(*f, *t, format == "csv" ? stats::ExportFormat::csv : stats::ExportFormat::json_lines, std::cout);
  if (!s.ok) std::fprintf(stderr, "sproutdns querylog: %s\n", s.error.c_str());
  return s.ok ? 0 : 1;
}

}  // namespace sprout::cli
