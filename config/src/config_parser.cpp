#include "config_parser.hpp"

#include <algorithm>

#include "address_parts.hpp"
#include "values.hpp"

namespace sprout::config::detail {
namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kGiB = kKiB * kKiB * kKiB;

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
  }, true);
}

void ConfigParser::read_listen(const Field& f) {
  r_.items(f, [&](const Field& item) {
    auto text = r_.string(item, "address:port");
    if (!text) return;
    auto e = parse_endpoint(*text);
    if (!e) {
      r_.error(item, "'" + *text + "' is not address:port (" + endpoint_hint(*text) + ")");
      return;
    }
    // Port 0 asks the kernel for a free port, so only fixed ports can collide.
    auto& listen = cfg_->listen;
    auto same = [&](const Endpoint& x) { return x.address == e->address && x.port == e->port; };
    if (e->port != 0 && std::find_if(listen.begin(), listen.end(), same) != listen.end()) {
      r_.error(item, "'" + *text + "' is listed twice");
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
  r_.fields(f, {
      {"address", [&](const Field& v) {
         if (auto a = r_.address(v)) { u.address = *a; have_address = true; }
       }, true},
      {"port", [&](const Field& v) { if (auto p = r_.integer(v, 1, 65535)) u.port = static_cast<std::uint16_t>(*p); }},
      {"timeout", [&](const Field& v) { if (auto d = r_.duration(v, 50ms, 30s)) u.timeout = *d; }},
      {"tries", [&](const Field& v) { if (auto t = r_.integer(v, 1, 10)) u.tries = static_cast<int>(*t); }},
  });
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
  r_.fields(f, {
      {"category", [&](const Field& v) { l.category = reference(v, categories_, "category").value_or(""); }, true},
      {"source", [&](const Field& v) {
         auto s = r_.string(v, "a file path or an http(s) URL");
         if (!s) return;
         auto scheme = s->find("://");
         if (s->empty()) {
           r_.error(v, "expected a file path or an http(s) URL, found an empty string");
         } else if (s->starts_with("http://") || s->starts_with("https://")) {
           l.source = *s;
         } else if (scheme != std::string::npos) {
           r_.error(v, "'" + *s + "' has an unsupported URL scheme (valid: http, https, or a file path)");
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
  });
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

void ConfigParser::read_cidr(Network& n, const Field& f) {
  auto text = r_.string(f, "a CIDR");
  if (!text) return;
  auto raw = parse_prefix_raw(*text);
  if (!raw) {
    r_.error(f, "'" + *text + "' is not a CIDR (expected e.g. 192.168.1.0/24 or 2001:db8::/32)");
    return;
  }
  IpPrefix clean = masked(*raw);
  if (!(clean.address == raw->address)) {
    r_.error(f, "'" + *text + "' has host bits set (did you mean " + clean.to_string() + "?)");
    return;
  }
  // The same prefix in two networks would make the client's network depend on file order.
  auto [owner, fresh] = cidr_owner_.emplace(clean.to_string(), n.name);
  if (!fresh) {
    r_.error(f, "'" + *text + "' is already in network '" + owner->second + "'");
    return;
  }
  n.cidrs.push_back(clean);
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

std::string ConfigParser::resolve_path(const std::string& path) const {
  std::filesystem::path p(path);
  if (p.is_absolute()) return p.lexically_normal().string();
  return (base_dir_ / p).lexically_normal().string();
}

}  // namespace sprout::config::detail
