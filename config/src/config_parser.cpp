#include "config_parser.hpp"

#include <unistd.h>

#include <cstring>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "address_parts.hpp"
#include "sprout/config/list_file_stem.hpp"
#include "sprout/config/services.hpp"
#include "values.hpp"

namespace sprout::config::detail {
extern const std::vector<std::string_view> kBundledListNames;  // generated from blocklists/bundled/MANIFEST.tsv
namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kGiB = kKiB * kKiB * kKiB;
// The schedule engine packs one bit per schedule next to a timestamp in a 64-bit word.
constexpr std::size_t kMaxSchedules = 16;
constexpr std::string_view kDefaultZoneDir = "/usr/share/zoneinfo";

// Names defined under a top-level map key (first occurrence), read before any reference.
std::set<std::string> names_under(const YAML::Node& root, std::string_view section) {
  std::set<std::string> names;
  if (!root.IsMap()) return names;
  for (const auto& kv : root) {
    if (!kv.first.IsScalar() || kv.first.Scalar() != section) continue;
    if (kv.second.IsMap()) {
      for (const auto& entry : kv.second)
        if (entry.first.IsScalar() && !entry.first.Scalar().empty()) names.insert(entry.first.Scalar());
    }
    break;
  }
  return names;
}

// Where IANA zone files live: $TZDIR (the glibc convention) or /usr/share/zoneinfo.
std::string zone_dir() {
  const char* env = std::getenv("TZDIR");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string(kDefaultZoneDir);
}

// Empty when `name` is a usable IANA zone; otherwise why not. UTC needs no file.
std::string zone_problem(const std::string& name) {
  const std::string example = "e.g. Asia/Ho_Chi_Minh, UTC";
  if (name == "UTC") return {};
  bool chars_ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
           c == '_' || c == '-' || c == '+';
  });
  // A zone name is a path below the zone directory; never let it climb out of it.
  if (!chars_ok || name.front() == '/' || name.find("..") != std::string::npos)
    return "is not an IANA time zone name (" + example + ")";
  std::ifstream in(zone_dir() + "/" + name, std::ios::binary);
  char magic[4] = {};
  if (!in || !in.read(magic, 4) || std::string_view(magic, 4) != "TZif")
    return "is not a known time zone (no TZif file under " + zone_dir() + "; " + example + ")";
  return {};
}

std::string endpoint_hint(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon != std::string_view::npos) {
    auto port = text.substr(colon + 1);
    bool digits = !port.empty() && std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits && (port.size() > 5 || std::stoi(std::string(port)) > 65535)) return "port must be 0-65535";
  }
  return "expected e.g. 127.0.0.1:5354 or [::1]:5354";
}

}  // namespace

ConfigParser::ConfigParser(Reader& reader, std::filesystem::path base_dir)
    : r_(reader), base_dir_(std::move(base_dir)) {}

void ConfigParser::parse(const Field& root, Config& out) {
  cfg_ = &out;
  categories_ = names_under(root.node, "categories");
  profiles_ = names_under(root.node, "profiles");
  profiles_.insert("default");
  services_ = names_under(root.node, "services");
  for (const ServiceInfo& s : builtin_services()) services_.insert(std::string(s.name));
  r_.fields(root, {
      {"listen", [&](const Field& f) { saw_listen_ = true; read_listen(f); }},
      {"workers", [&](const Field& f) {
         if (auto v = r_.integer(f, 0, 256)) out.workers = static_cast<int>(*v);
       }},
      {"upstreams", [&](const Field& f) { r_.items(f, [&](const Field& i) { read_upstream(i); }); }},
      {"tcp", [&](const Field& f) { read_tcp(f); }},
      {"logging", [&](const Field& f) { read_logging(f); }},
      {"state_dir", [&](const Field& f) {
         auto s = r_.string(f, "a directory");
         if (s && s->empty()) r_.error(f, "expected a directory, found an empty string");
         else if (s) out.state_dir = resolve_path(*s);
       }},
      {"categories", [&](const Field& f) { r_.entries(f, [&](auto& n, auto& c) { read_category(n, c); }); }},
      {"lists", [&](const Field& f) { r_.entries(f, [&](auto& n, auto& l) { read_list(n, l); }); }},
      {"profiles", [&](const Field& f) { r_.entries(f, [&](auto& n, auto& p) { read_profile(n, p); }); }},
      {"networks", [&](const Field& f) { read_networks(f); }},
      {"timezone", [&](const Field& f) { if (auto z = read_timezone(f)) out.timezone = *z; }},
      {"allow", [&](const Field& f) { out.allow = read_domains(f); }},
      {"deny", [&](const Field& f) { out.deny = read_domains(f); }},
      {"blocked_answers", [&](const Field& f) { out.blocked_answers = read_prefixes(f); }},
      {"proxy_protocol", [&](const Field& f) { out.proxy_protocol = read_prefixes(f); }},
      {"rate_limit", [&](const Field& f) { read_rate_limit(f); }},
      {"upstream_limit", [&](const Field& f) { read_upstream_limit(f); }},
      {"cache", [&](const Field& f) { read_cache(f); }},
      {"admin", [&](const Field& f) { read_admin(f); }},
      {"blockpage", [&](const Field& f) { read_blockpage(f); }},
      {"instance", [&](const Field& f) { read_instance(f); }},
      {"stats", [&](const Field& f) { read_stats(f); }},
      {"reports", [&](const Field& f) { read_reports(f); }},
      {"query_log", [&](const Field& f) { read_query_log(f); }},
      {"devices", [&](const Field& f) { r_.entries(f, [&](auto& n, auto& d) { read_device(n, d); }); }},
      {"trusted_forwarders", [&](const Field& f) { out.trusted_forwarders = read_prefixes(f); }},
      {"dhcp_leases", [&](const Field& f) { read_dhcp_leases(f); }},
      {"services", [&](const Field& f) { r_.entries(f, [&](auto& n, auto& s) { read_service(n, s); }); }},
      {"tls", [&](const Field& f) { read_tls(f); }},
      {"dot", [&](const Field& f) { r_.items(f, [&](const Field& i) { read_encrypted_listener(out.dot, 853, false, i); }); }},
      {"doh", [&](const Field& f) { r_.items(f, [&](const Field& i) { read_encrypted_listener(out.doh, 443, true, i); }); }},
      {"clients", [&](const Field& f) { r_.entries(f, [&](auto& n, auto& c) { read_client(n, c); }); }},
  }, true);
  check_devices(root);
  check_encrypted(root);
  add_service_lists(root);
  if (out.instance.name.empty()) out.instance.name = host_name();
}


std::optional<Endpoint> ConfigParser::read_endpoint(const Field& f) {
  auto text = r_.string(f, "address:port");
  if (!text) return std::nullopt;
  auto e = parse_endpoint(*text);
  if (!e) r_.error(f, "'" + *text + "' is not address:port (" + endpoint_hint(*text) + ")");
  return e;
}

void ConfigParser::read_listen(const Field& f) {
  r_.items(f, [&](const Field& item) {
    auto e = read_endpoint(item);
    if (!e) return;
    // Port 0 asks the kernel for a free port, so only fixed ports can collide.
    auto& listen = cfg_->listen;
    auto same = [&](const Endpoint& x) { return x.address == e->address && x.port == e->port; };
    if (e->port != 0 && std::find_if(listen.begin(), listen.end(), same) != listen.end()) {
      r_.error(item, "'" + e->to_string() + "' is listed twice");
      return;
    }
    listen.push_back(*e);
  });
  if (f.node.IsNull() || (f.node.IsSequence() && f.node.size() == 0)) {
    r_.error(f, "no listen addresses (remove the key for 127.0.0.1:5354 and [::1]:5354)");
  }
}

void ConfigParser::read_logging(const Field& f) {
  r_.fields(f, {{"level", [&](const Field& v) {
                   if (auto l = r_.choice<LogLevel>(v, {{"debug", LogLevel::debug},
                                                        {"info", LogLevel::info},
                                                        {"warn", LogLevel::warn},
                                                        {"error", LogLevel::error}}))
                     cfg_->logging.level = *l;
                 }}});
}

void ConfigParser::read_category(const std::string& name, const Field& f) {
  Category cat{name, {}};
  r_.fields(f, {{"description", [&](const Field& d) { cat.description = r_.string(d, "a string").value_or(""); }}});
  cfg_->categories.push_back(std::move(cat));
}

void ConfigParser::read_networks(const Field& f) {
  saw_networks_ = true;
  if (f.node.IsNull() || (f.node.IsMap() && f.node.size() == 0)) {
    r_.error(f, "no networks, so no client could query (remove the key to allow loopback and private ranges)");
  }
  r_.entries(f, [&](auto& n, auto& v) { read_network(n, v); });
}

void ConfigParser::read_upstream(const Field& f) {
  Upstream u;
  bool have_address = false;
  bool have_port = false;
  r_.fields(f, {
      {"address", [&](const Field& v) {
         if (auto a = r_.address(v)) { u.address = *a; have_address = true; }
       }, true},
      {"port", [&](const Field& v) {
         have_port = true;
         if (auto p = r_.integer(v, 1, 65535)) u.port = static_cast<std::uint16_t>(*p);
       }},
      {"timeout", [&](const Field& v) { if (auto d = r_.duration(v, 50ms, 30s)) u.timeout = *d; }},
      {"tries", [&](const Field& v) { if (auto t = r_.integer(v, 1, 10)) u.tries = static_cast<int>(*t); }},
      {"tls", [&](const Field& v) { u.tls = read_upstream_tls(v); }},
  });
  if (u.tls && !have_port) u.port = 853;
  if (have_address) cfg_->upstreams.push_back(u);
}

void ConfigParser::read_tcp(const Field& f) {
  TcpLimits& t = cfg_->tcp;
  r_.fields(f, {
      {"idle_timeout", [&](const Field& v) { if (auto d = r_.duration(v, 100ms, 1h)) t.idle_timeout = *d; }},
      {"max_connections", [&](const Field& v) {
         if (auto n = r_.integer(v, 1, 100000)) t.max_connections = static_cast<int>(*n);
       }},
      {"max_inflight_per_connection", [&](const Field& v) {
         if (auto n = r_.integer(v, 1, 1024)) t.max_inflight_per_connection = static_cast<int>(*n);
       }},
  });
}

void ConfigParser::read_list(const std::string& name, const Field& f) {
  List l;
  l.name = name;
  // A list's last-good copy is a file named after it: two names mapping to one file would
  // overwrite each other's copy and serve one list's entries under the other's category.
  const std::string stem = list_file_stem(name);
  const std::string quoted = "'" + name + "'";  // escaped with the whole message when printed
  if (auto [it, fresh] = stem_owner_.emplace(stem, quoted + " (line " + std::to_string(f.node.Mark().line + 1) + ")"); !fresh) {
    r_.error(f, "list " + quoted + " and list " + it->second + " would share the state file lists/" + stem +
                    ".list (a name keeps letters, digits, '-', '_' and '.', anything else becomes '_'): rename one");
  }
  std::optional<Field> bundled;
  std::optional<Field> transfer;
  std::optional<Transfer> source_transfer;
  r_.fields(f, {
      {"category", [&](const Field& v) { l.category = reference(v, categories_, "category").value_or(""); }, true},
      {"transfer", [&](const Field& v) { transfer = v; }},
      {"source", [&](const Field& v) {
         auto s = r_.string(v, "a file path or an http(s) URL");
         if (!s) return;
         auto scheme = s->find("://");
         if (s->empty()) {
           r_.error(v, "expected a file path or an http(s) URL, found an empty string");
         } else if (s->starts_with("http://") || s->starts_with("https://") || s->starts_with("builtin:")) {
           l.source = *s;  // builtin:NAME = a list compiled into sproutdns (checked when loaded)
         } else if (s->starts_with("axfr://")) {
           l.source = *s;
           source_transfer = read_axfr_source(v, name, *s);
         } else if (scheme != std::string::npos) {
           r_.error(v, "'" + *s + "' has an unsupported URL scheme (valid: http, https, axfr, builtin:NAME, or a file path)");
         } else {
           l.source = resolve_path(*s);
         }
       }, true},
      {"format", [&](const Field& v) {
         if (auto x = r_.choice<ListFormat>(v, {{"auto", ListFormat::auto_detect}, {"domains", ListFormat::domains},
                                               {"hosts", ListFormat::hosts}, {"adblock", ListFormat::adblock},
                                               {"rpz", ListFormat::rpz}}))
           l.format = *x;
       }},
      {"allow", [&](const Field& v) { l.allow = r_.boolean(v).value_or(false); }},
      {"refresh", [&](const Field& v) {
         if (auto d = r_.duration(v, 1min, std::chrono::hours(24 * 30)))
           l.refresh = std::chrono::duration_cast<std::chrono::seconds>(*d);
       }},
      {"max_size", [&](const Field& v) {
         if (auto s = r_.size(v, kKiB, 4 * kGiB)) l.max_bytes = static_cast<std::size_t>(*s);
       }},
      {"bundled", [&](const Field& v) {
         bundled = v;
         auto s = r_.string(v, "the name of a bundled list");
         if (!s) return;
         std::string valid;
         for (std::string_view n : kBundledListNames) {
           if (n == *s) l.bundled = *s;
           valid += (valid.empty() ? "" : ", ") + std::string(n);
         }
         if (l.bundled.empty()) r_.error(v, "'" + *s + "' is not a bundled list (valid: " + (valid.empty() ? "none in this build" : valid) + ")");
       }},
  });
  // A seed stands in for a download until one succeeds: files and builtin lists have none.
  if (bundled && !l.bundled.empty() && !l.source.starts_with("http://") && !l.source.starts_with("https://")) {
    r_.error(*bundled, "bundled seeds only http(s) lists (source is '" + l.source + "')");
  }
  if (source_transfer) {
    l.transfer = std::move(source_transfer);
    l.format = ListFormat::rpz;  // a transferred zone is an RPZ zone, whatever `format` says
    if (transfer) read_transfer(l, *transfer);
  } else if (transfer && !l.source.starts_with("axfr://")) {
    r_.error(*transfer, "transfer applies only to axfr:// sources (source is '" + l.source + "')");
  }
  cfg_->lists.push_back(std::move(l));
}

void ConfigParser::read_profile(const std::string& name, const Field& f) {
  Profile p;
  p.name = name;
  std::optional<Field> mode;
  std::optional<Field> blockpage;
  r_.fields(f, {
      {"block", [&](const Field& v) {
         r_.items(v, [&](const Field& i) {
           if (auto c = reference(i, categories_, "category")) p.block.push_back(*c);
         });
       }},
      {"allow", [&](const Field& v) { p.allow = read_domains(v); }},
      {"deny", [&](const Field& v) { p.deny = read_domains(v); }},
      {"block_mode", [&](const Field& v) { mode = v; }},
      {"blockpage", [&](const Field& v) { blockpage = v; read_blockpage(p, v); }},
      {"block_ttl", [&](const Field& v) { if (auto t = r_.integer(v, 0, 86400)) p.block_ttl = static_cast<std::uint32_t>(*t); }},
      {"safesearch", [&](const Field& v) { read_safesearch(p.safesearch, v); }},
      {"bypass_prevention", [&](const Field& v) { p.bypass_prevention = r_.boolean(v).value_or(true); }},
      {"rebinding_protection", [&](const Field& v) { p.rebinding_protection = r_.boolean(v).value_or(true); }},
      {"rebinding_allow", [&](const Field& v) { p.rebinding_allow = read_domains(v); }},
      {"timezone", [&](const Field& v) { p.timezone = read_timezone(v).value_or(""); }},
      {"services", [&](const Field& v) { p.services = read_service_names(v); }},
      {"schedules", [&](const Field& v) {
         r_.entries(v, [&](auto& n, auto& s) { read_schedule(p, n, s); });
         if (p.schedules.size() > kMaxSchedules)
           r_.error(v, std::to_string(p.schedules.size()) + " schedules (at most " + std::to_string(kMaxSchedules) +
                           " per profile)");
       }},
  });
  if (mode) read_block_mode(p, *mode, blockpage ? &*blockpage : nullptr);
  cfg_->profiles.push_back(std::move(p));
}

void ConfigParser::read_block_mode(Profile& p, const Field& f, const Field* blockpage) {
  auto m = r_.choice<BlockMode>(f, {{"nxdomain", BlockMode::nxdomain}, {"null", BlockMode::null_ip},
                                    {"refused", BlockMode::refused}, {"blockpage", BlockMode::blockpage}});
  if (!m) return;
  p.block_mode = *m;
  // A block page with no address to send would silently fall back to something else.
  if (*m == BlockMode::blockpage && blockpage == nullptr) {
    r_.error(f, "'blockpage' needs a blockpage address (e.g. blockpage: {ipv4: 192.0.2.10})");
  }
}

void ConfigParser::read_blockpage(Profile& p, const Field& f) {
  auto family = [&](const Field& v, bool want_v4) -> std::optional<IpAddress> {
    auto a = r_.address(v);
    if (a && a->v4 != want_v4) {
      r_.error(v, "'" + a->to_string() + "' is not an " + (want_v4 ? "IPv4" : "IPv6") + " address");
      return std::nullopt;
    }
    return a;
  };
  r_.fields(f, {
      {"ipv4", [&](const Field& v) { p.blockpage_v4 = family(v, true); }},
      {"ipv6", [&](const Field& v) { p.blockpage_v6 = family(v, false); }},
  });
  if (f.node.IsNull() || (f.node.IsMap() && f.node.size() == 0)) {
    r_.error(f, "expected ipv4 and/or ipv6, found nothing");
  }
}

void ConfigParser::read_network(const std::string& name, const Field& f) {
  Network n;
  n.name = name;
  n.profile = "default";
  r_.fields(f, {
      {"cidrs", [&](const Field& v) {
         r_.items(v, [&](const Field& i) { read_cidr(n, i); });
         if (v.node.IsNull() || (v.node.IsSequence() && v.node.size() == 0)) r_.error(v, "expected at least one CIDR");
       }, true},
      {"profile", [&](const Field& v) { n.profile = reference(v, profiles_, "profile").value_or("default"); }},
      {"labels", [&](const Field& v) { read_labels(n, v); }},
  });
  cfg_->networks.push_back(std::move(n));
}

std::optional<IpPrefix> ConfigParser::cidr(const Field& f) {
  auto text = r_.string(f, "a CIDR");
  if (!text) return std::nullopt;
  auto raw = parse_prefix_raw(*text);
  if (!raw) {
    r_.error(f, "'" + *text + "' is not a CIDR (expected e.g. 192.168.1.0/24 or 2001:db8::/32)");
    return std::nullopt;
  }
  IpPrefix clean = masked(*raw);
  if (!(clean.address == raw->address)) {
    r_.error(f, "'" + *text + "' has host bits set (did you mean " + clean.to_string() + "?)");
    return std::nullopt;
  }
  return clean;
}

void ConfigParser::read_cidr(Network& n, const Field& f) {
  auto clean = cidr(f);
  if (!clean) return;
  // The same prefix in two networks would make the client's network depend on file order.
  auto [owner, fresh] = cidr_owner_.emplace(clean->to_string(), n.name);
  if (!fresh) {
    r_.error(f, "'" + f.node.Scalar() + "' is already in network '" + owner->second + "'");
    return;
  }
  n.cidrs.push_back(*clean);
}

std::vector<IpPrefix> ConfigParser::read_prefixes(const Field& f) {
  std::vector<IpPrefix> out;
  r_.items(f, [&](const Field& i) {
    auto p = cidr(i);
    if (!p) return;
    if (std::find_if(out.begin(), out.end(), [&](const IpPrefix& x) { return x.address == p->address && x.bits == p->bits; }) != out.end()) {
      r_.error(i, "'" + i.node.Scalar() + "' is listed twice");
      return;
    }
    out.push_back(*p);
  });
  return out;
}

std::optional<std::string> ConfigParser::read_timezone(const Field& f) {
  auto name = r_.string(f, "a time zone name");
  if (!name) return std::nullopt;
  std::string why = zone_problem(*name);
  if (why.empty()) return name;
  r_.error(f, "'" + *name + "' " + why);
  return std::nullopt;
}

std::optional<std::chrono::seconds> ConfigParser::seconds(const Field& f, std::chrono::seconds lo,
                                                           std::chrono::seconds hi) {
  auto d = r_.duration(f, lo, hi);
  if (!d || *d < lo || *d > hi) return std::nullopt;
  if (d->count() % 1000 != 0) {
    r_.error(f, "'" + f.node.Scalar() + "' is not a whole number of seconds");
    return std::nullopt;
  }
  return std::chrono::duration_cast<std::chrono::seconds>(*d);
}

void ConfigParser::read_cache(const Field& f) {
  Cache& c = cfg_->cache;
  std::optional<Field> min_field;
  auto set = [&](std::chrono::seconds& out, const Field& v, std::chrono::seconds lo, std::chrono::seconds hi) {
    if (auto s = seconds(v, lo, hi)) out = *s;
  };
  constexpr std::chrono::seconds kDay{86400};
  r_.fields(f, {
      {"max_entries", [&](const Field& v) {
         if (auto n = r_.integer(v, 0, 100'000'000)) c.max_entries = static_cast<std::size_t>(*n);
       }},
      {"min_ttl", [&](const Field& v) { min_field = v; set(c.min_ttl, v, 0s, 1h); }},
      {"max_ttl", [&](const Field& v) { set(c.max_ttl, v, 1s, 7 * kDay); }},
      {"negative_ttl", [&](const Field& v) { set(c.negative_ttl, v, 0s, kDay); }},
      {"serve_stale", [&](const Field& v) { c.serve_stale = r_.boolean(v).value_or(c.serve_stale); }},
      {"stale_answer_ttl", [&](const Field& v) { set(c.stale_answer_ttl, v, 1s, 1h); }},
      {"stale_max_age", [&](const Field& v) { set(c.stale_max_age, v, 0s, 7 * kDay); }},
      {"prefetch", [&](const Field& v) { c.prefetch = r_.boolean(v).value_or(c.prefetch); }},
  });
  if (c.min_ttl > c.max_ttl) {
    const Field& at = min_field ? *min_field : f;
    r_.error(at, "min_ttl (" + format_duration(c.min_ttl) + ") is more than max_ttl (" +
                     format_duration(c.max_ttl) + ")");
  }
}

void ConfigParser::read_safesearch(SafeSearch& s, const Field& f) {
  auto flag = [&](bool& out) { return [&](const Field& v) { out = r_.boolean(v).value_or(false); }; };
  r_.fields(f, {
      {"google", flag(s.google)},
      {"bing", flag(s.bing)},
      {"duckduckgo", flag(s.duckduckgo)},
      {"yandex", flag(s.yandex)},
      {"pixabay", flag(s.pixabay)},
      {"youtube", [&](const Field& v) {
         if (auto m = r_.choice<YoutubeMode>(v, {{"off", YoutubeMode::off}, {"moderate", YoutubeMode::moderate},
                                                 {"strict", YoutubeMode::strict}}))
           s.youtube = *m;
       }},
  });
}

void ConfigParser::read_schedule(Profile& p, const std::string& name, const Field& f) {
  Schedule s;
  s.name = name;
  std::optional<Field> block, allow, allow_categories, services, allow_services;
  bool mode_ok = true;
  r_.fields(f, {
      {"windows", [&](const Field& v) {
         r_.items(v, [&](const Field& i) { if (auto w = read_window(i)) s.windows.push_back(*w); });
         if (v.node.IsNull() || (v.node.IsSequence() && v.node.size() == 0)) r_.error(v, "expected at least one window");
       }, true},
      {"mode", [&](const Field& v) {
         if (auto m = r_.choice<ScheduleMode>(v, {{"add_categories", ScheduleMode::add_categories},
                                                  {"allowlist_only", ScheduleMode::allowlist_only},
                                                  {"block_all", ScheduleMode::block_all}}))
           s.mode = *m;
         else
           mode_ok = false;
       }},
      {"block", [&](const Field& v) {
         block = v;
         r_.items(v, [&](const Field& i) { if (auto c = reference(i, categories_, "category")) s.block.push_back(*c); });
       }},
      {"allow", [&](const Field& v) { allow = v; s.allow = read_domains(v); }},
      {"services", [&](const Field& v) { services = v; s.services = read_service_names(v); }},
      {"allow_services", [&](const Field& v) { allow_services = v; s.allow_services = read_service_names(v); }},
      {"allow_categories", [&](const Field& v) {
         allow_categories = v;
         r_.items(v, [&](const Field& i) {
           if (auto c = reference(i, categories_, "category")) s.allow_categories.push_back(*c);
         });
       }},
  });
  // With an unreadable mode, which keys belong is unknown: the mode error says enough.
  if (mode_ok) check_schedule(s, f, block ? &*block : nullptr, allow ? &*allow : nullptr,
                 allow_categories ? &*allow_categories : nullptr);
  // Services follow the same rule: a key the mode ignores is an error, not a silent no-op.
  if (mode_ok && services && s.mode != ScheduleMode::add_categories)
    r_.error(*services, "'services' needs mode add_categories (the services blocked while the window is active)");
  if (mode_ok && allow_services && s.mode == ScheduleMode::block_all)
    r_.error(*allow_services, "'allow_services' needs mode add_categories or allowlist_only (block_all allows only 'allow' domains)");
  p.schedules.push_back(std::move(s));
}

// Keys that a mode ignores are errors: a silently ignored rule is a filter that is not there.
void ConfigParser::check_schedule(const Schedule& s, const Field& f, const Field* block, const Field* allow,
                                  const Field* allow_categories) {
  if (!f.node.IsMap()) return;
  switch (s.mode) {
    case ScheduleMode::add_categories:
      if (allow) r_.error(*allow, "'allow' needs mode allowlist_only or block_all (add_categories only adds blocks)");
      if (allow_categories) r_.error(*allow_categories, "'allow_categories' needs mode allowlist_only");
      if (!block && s.services.empty() && s.allow_services.empty())
        r_.error(f, "mode add_categories needs 'block' (the categories to add while active), 'services' or 'allow_services'");
      break;
    case ScheduleMode::allowlist_only:
      if (block) r_.error(*block, "'block' has no effect with mode allowlist_only (everything not allowed is blocked)");
      break;
    case ScheduleMode::block_all:
      if (block) r_.error(*block, "'block' has no effect with mode block_all (everything except 'allow' is blocked)");
      if (allow_categories) r_.error(*allow_categories, "'allow_categories' needs mode allowlist_only (block_all allows only 'allow' domains)");
      break;
  }
}

std::optional<Window> ConfigParser::read_window(const Field& f) {
  Window w;
  std::optional<Field> to_field;
  bool have_days = false, have_from = false, have_to = false;
  auto clock = [&](const Field& v, bool end) -> std::optional<std::uint16_t> {
    auto text = r_.string(v, "a time HH:MM");
    if (!text) return std::nullopt;
    auto t = parse_clock_time(*text, end);
    if (!t.value) r_.error(v, "'" + *text + "' " + t.why);
    return t.value;
  };
  r_.fields(f, {
      {"days", [&](const Field& v) { w.days = read_days(v); have_days = w.days != 0; }, true},
      {"from", [&](const Field& v) { if (auto t = clock(v, false)) { w.start = *t; have_from = true; } }, true},
      {"to", [&](const Field& v) { to_field = v; if (auto t = clock(v, true)) { w.end = *t; have_to = true; } }, true},
  });
  if (!have_days || !have_from || !have_to) return std::nullopt;
  if (w.start == w.end) {
    r_.error(*to_field, "empty window (from and to are both '" + to_field->node.Scalar() +
                            "'; for a whole day use from: \"00:00\", to: \"24:00\")");
    return std::nullopt;
  }
  return w;
}

std::uint8_t ConfigParser::read_days(const Field& f) {
  std::uint8_t days = 0;
  auto one = [&](const Field& item) {
    auto text = r_.string(item, "a day");
    if (!text) return;
    auto d = parse_days(*text);
    if (d.value) days |= *d.value;
    else r_.error(item, "'" + *text + "' " + d.why);
  };
  if (f.node.IsScalar()) one(f);  // "days: weekdays" reads as well as "days: [weekdays]"
  else r_.items(f, one);
  if (f.node.IsNull() || (f.node.IsSequence() && f.node.size() == 0)) r_.error(f, "expected at least one day");
  return days;
}

void ConfigParser::read_labels(Network& n, const Field& f) {
  r_.entries(f, [&](const std::string& key, const Field& v) {
    if (auto s = r_.string(v, "a string")) n.labels[key] = *s;
  });
}

std::vector<std::string> ConfigParser::read_domains(const Field& f) {
  std::vector<std::string> out;
  r_.items(f, [&](const Field& i) {
    auto text = r_.string(i, "a domain name");
    if (!text) return;
    auto d = normalize_domain(*text);
    if (d.value) out.push_back(*d.value);
    else r_.error(i, "'" + *text + "' " + d.why);
  });
  return out;
}

std::optional<std::string> ConfigParser::reference(const Field& f, const std::set<std::string>& defined,
                                                   std::string_view kind) {
  auto name = r_.string(f, "a " + std::string(kind) + " name");
  if (!name) return std::nullopt;
  if (defined.count(*name) != 0) return name;
  std::string valid = defined.empty() ? "none are defined"
                                      : "defined: " + join(std::vector<std::string>(defined.begin(), defined.end()));
  r_.error(f, "unknown " + std::string(kind) + " '" + *name + "' (" + valid + ")");
  return std::nullopt;
}

// The default instance name: what an operator sees in `hostname`, "sprout" when unknown.
std::string ConfigParser::host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "sprout";
  return std::string(buf, ::strnlen(buf, 63));
}

std::string ConfigParser::resolve_path(const std::string& path) const {
  std::filesystem::path p(path);
  if (p.is_absolute()) return p.lexically_normal().string();
  return (base_dir_ / p).lexically_normal().string();
}

}  // namespace sprout::config::detail
