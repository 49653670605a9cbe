// sproutdns devices, pause and audit: the running server's admin API, asked with the config's token.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "commands.hpp"
#include "sprout/blocklists/http_fetch.hpp"
#include "sprout/config/printable.hpp"
#include "sprout/control/list_refresher.hpp"
#include "sprout/core/audit_log.hpp"
#include "sprout/core/devices_view.hpp"

namespace sprout::cli {
namespace {

constexpr std::uint16_t kDefaultAdminPort = 8053;

struct AdminAnswer {
  long status = 0;  // 0: no answer at all
  std::string body, error;
};

// One request to the running server's admin API (127.0.0.1:8053 unless configured).
AdminAnswer admin_call(const config::Config& cfg, const std::string& path_and_query, bool post) {
  if (!cfg.admin.enabled || cfg.admin.token.empty()) return {0, "", "the config has no admin token (admin.token)"};
  const config::Endpoint at = cfg.admin.listen.value_or(config::Endpoint{*config::IpAddress::parse("127.0.0.1"), kDefaultAdminPort});
  blocklists::FetchRequest r;
  r.url = "http://" + at.to_string() + path_and_query;
  r.dest_path = "/tmp/sproutdns-admin." + std::to_string(::getpid());
  r.bearer_token = cfg.admin.token;
  r.post = post;
  r.max_bytes = 4u << 20;
  r.connect_timeout = std::chrono::seconds(2);
  r.transfer_timeout = std::chrono::seconds(5);
  const auto res = blocklists::http_fetch(r);
  std::ifstream in(r.dest_path);
  std::stringstream body;
  body << in.rdbuf();
  ::unlink(r.dest_path.c_str());
  return {res.error.empty() || res.http_status != 0 ? res.http_status : 0, body.str(), res.error};
}

// "30m", "2h", "90s", "1d" -> seconds; 0 when not a duration.
long long seconds_of(const std::string& text) {
  if (text.size() < 2 || text.find_first_not_of("0123456789", 0) != text.size() - 1) return 0;
  const long long n = std::stoll(text.substr(0, text.size() - 1));
  switch (text.back()) {
    case 's': return n;
    case 'm': return n * 60;
    case 'h': return n * 3600;
    case 'd': return n * 86400;
    default: return 0;
  }
}

std::string url_encode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_') out += static_cast<char>(c);
    else out += {'%', kHex[c >> 4], kHex[c & 15]};
  }
  return out;
}

}  // namespace

int devices(const std::vector<std::string>& args) {
  std::string path;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) path = args[++i];
    else return std::fputs("usage: sproutdns devices [--config FILE]\n", stderr), 2;
  }
  auto cfg = load_config(path);
  if (!cfg) return 1;
  const AdminAnswer a = admin_call(*cfg, "/api/devices", false);
  auto view = a.status == 200 ? core::Json::parse(a.body, nullptr, false) : core::Json();
  if (!view.is_object()) {
    // Unknown MACs seen in queries live only in the server's memory.
    std::fputs("(the server's admin API did not answer: shown from the config and the leases file only)\n", stdout);
    const auto snap = control::build_snapshot(std::make_shared<const config::Config>(std::move(*cfg)), false, nullptr, nullptr);
    view = core::devices_json(*snap);
  }
  try {
    std::fputs(core::devices_text(view).c_str(), stdout);
  } catch (const core::Json::exception& e) {
    std::fprintf(stderr, "sproutdns devices: unexpected answer from the server: %s\n", e.what());
    return 1;
  }
  return 0;
}

int pause(const std::vector<std::string>& args) {
  std::string path, query;
  bool list = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const bool has = i + 1 < args.size();
    const std::string& a = args[i];
    if (a == "--config" && has) path = args[++i];
    else if ((a == "--device" || a == "--network" || a == "--profile") && has) query += "&scope=" + a.substr(2) + "&target=" + url_encode(args[++i]);
    else if (a == "--for" && has && seconds_of(args[i + 1]) > 0) query += "&for=" + std::to_string(seconds_of(args[++i]));
    else if (a == "--until" && has) query += "&until=" + url_encode(args[++i]);
    else if ((a == "--service" || a == "--domain") && has) query += "&" + a.substr(2) + "=" + url_encode(args[++i]);
    else if (a == "--cancel") query += "&cancel=1";
    else if (a == "--list") list = true;
    else {
      std::fputs("usage: sproutdns pause [--config FILE] (--device|--network|--profile) NAME (--for 30m | --until TIME | --cancel)\n"
                 "                       [--service NAME | --domain NAME]\n"
                 "       sproutdns pause [--config FILE] --list\n", stderr);
      return 2;
    }
  }
  const auto cfg = load_config(path);
  if (!cfg) return 1;
  // via=cli: the audit log names the CLI as the principal.
  const AdminAnswer a = list ? admin_call(*cfg, "/api/pauses", false) : admin_call(*cfg, "/api/pause?via=cli" + query, true);
  if (a.status == 0) return std::fprintf(stderr, "sproutdns pause: the server did not answer: %s\n", config::printable(a.error).c_str()), 1;
  std::fputs(a.body.c_str(), a.status == 200 ? stdout : stderr);
  return a.status == 200 ? 0 : 1;
}

int audit(const std::vector<std::string>& args) {
  std::string path, last = "20";
  bool json = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) path = args[++i];
    else if (args[i] == "--last" && i + 1 < args.size()) last = args[++i];
    else if (args[i] == "--json") json = true;
    else return std::fputs("usage: sproutdns audit [--config FILE] [--last N] [--json]\n", stderr), 2;
  }
  if (last.empty() || last.size() > 4 || last.find_first_not_of("0123456789") != std::string::npos || std::stoul(last) < 1 ||
      std::stoul(last) > 1000) {
    return std::fputs("sproutdns audit: --last takes 1-1000\n", stderr), 2;
  }
  const auto cfg = load_config(path);
  if (!cfg) return 1;
  const AdminAnswer a = admin_call(*cfg, "/api/audit?last=" + last, false);
  const auto answer = a.status == 200 ? core::Json::parse(a.body, nullptr, false) : core::Json();
  std::vector<core::Json> entries;
  if (answer.is_object() && answer.contains("entries") && answer["entries"].is_array()) {
    entries.assign(answer["entries"].begin(), answer["entries"].end());
  } else {
    // The server is down: the file itself (readable by whoever may read state_dir).
    std::fputs("(the server's admin API did not answer: read from the audit log file)\n", stderr);
    entries = core::AuditLog::read(cfg->state_dir + "/audit.jsonl", std::stoul(last));
  }
  if (!json) return std::fputs(core::audit_text(entries).c_str(), stdout), 0;
  for (const core::Json& e : entries) std::puts(core::dump_json(e).c_str());
  return 0;
}

}  // namespace sprout::cli
