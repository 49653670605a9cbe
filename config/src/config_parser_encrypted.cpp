// Readers for encrypted DNS: tls (certificate, server_name), dot and doh listeners, clients.
#include <algorithm>

#include "config_parser.hpp"

namespace sprout::config::detail {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kMaxLabel = 63;

// A client ID travels as a DNS label (SNI) and a URL path segment: the letters both allow.
bool client_id_ok(std::string_view id) {
  return !id.empty() && id.size() <= kMaxLabel && id.front() != '-' && id.back() != '-' &&
         std::all_of(id.begin(), id.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

bool server_name_ok(std::string_view name) {
  if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.') return false;
  for (std::size_t start = 0; start <= name.size();) {
    const std::size_t dot = std::min(name.find('.', start), name.size());
    if (!client_id_ok(name.substr(start, dot - start))) return false;
    start = dot + 1;
  }
  return true;
}

Field key_of(const Field& root, const char* key) {
  const YAML::Node node = root.node[key];
  return Field{node, key, node.Mark()};
}

}  // namespace

void ConfigParser::read_tls(const Field& f) {
  Tls& t = cfg_->tls;
  auto path = [&](std::string& out, const Field& v) {
    auto s = r_.string(v, "a PEM file path");
    if (s && s->empty()) r_.error(v, "expected a PEM file path, found an empty string");
    else if (s) out = resolve_path(*s);
  };
  r_.fields(f, {
      {"certificate", [&](const Field& v) { path(t.certificate, v); }, true},
      {"key", [&](const Field& v) { path(t.key, v); }, true},
      {"server_name", [&](const Field& v) {
         auto s = r_.string(v, "a host name");
         if (s && !server_name_ok(*s))
           r_.error(v, "'" + *s + "' is not a lowercase host name (e.g. dns.example.vn; client IDs are the label before it)");
         else if (s) t.server_name = *s;
       }},
  });
}

UpstreamTls ConfigParser::read_upstream_tls(const Field& f) {
  UpstreamTls t;
  r_.fields(f, {
      {"server_name", [&](const Field& v) {
         auto s = r_.string(v, "a host name");
         if (s && !server_name_ok(*s))
           r_.error(v, "'" + *s + "' is not a lowercase host name (the name the upstream's certificate must carry, e.g. dns.quad9.net)");
         else if (s) t.server_name = *s;
       }, true},
      {"ca_file", [&](const Field& v) {
         auto s = r_.string(v, "a PEM file path");
         if (s && s->empty()) r_.error(v, "expected a PEM file path (or no ca_file: the system trust store), found an empty string");
         else if (s) t.ca_file = resolve_path(*s);
       }},
      {"max_connections", [&](const Field& v) {
         if (auto n = r_.integer(v, 1, 64)) t.max_connections = static_cast<int>(*n);
       }},
      {"idle_timeout", [&](const Field& v) { if (auto d = r_.duration(v, 100ms, 1h)) t.idle_timeout = *d; }},
  });
  return t;
}

void ConfigParser::read_encrypted_listener(std::vector<EncryptedListener>& out, std::uint16_t default_port, bool doh,
                                           const Field& f) {
  EncryptedListener l;
  l.endpoint.port = default_port;
  auto count = [&](int& n, const Field& v, long long hi) {
    if (auto x = r_.integer(v, 1, hi)) n = static_cast<int>(*x);
  };
  r_.fields(f, {
      {"address", [&](const Field& v) { if (auto a = r_.address(v)) l.endpoint.address = *a; }, true},
      {"port", [&](const Field& v) { if (auto p = r_.integer(v, 0, 65535)) l.endpoint.port = static_cast<std::uint16_t>(*p); }},
      {"profile", [&](const Field& v) { l.profile = reference(v, profiles_, "profile").value_or("default"); }},
      {"unknown_clients", [&](const Field& v) {
         if (auto u = r_.choice<UnknownClients>(v, {{"default_profile", UnknownClients::default_profile},
                                                    {"refuse", UnknownClients::refuse}}))
           l.unknown_clients = *u;
       }},
      {"max_connections", [&](const Field& v) { count(l.max_connections, v, 100000); }},
      {"max_handshakes", [&](const Field& v) { count(l.max_handshakes, v, 10000); }},
      {"handshake_timeout", [&](const Field& v) { if (auto d = r_.duration(v, 100ms, 1min)) l.handshake_timeout = *d; }},
      {"idle_timeout", [&](const Field& v) { if (auto d = r_.duration(v, 100ms, 1h)) l.idle_timeout = *d; }},
      {"plain_http", [&](const Field& v) {
         if (!doh) r_.error(v, "plain_http is for DoH behind a reverse proxy; DoT is always TLS");
         else if (auto b = r_.boolean(v)) l.plain_http = *b;
       }},
      {"trusted_proxies", [&](const Field& v) {
         if (!doh) r_.error(v, "trusted_proxies is for DoH with plain_http: true");
         else l.trusted_proxies = read_prefixes(v);
       }},
  });
  check_plain_http(l, f);
  out.push_back(std::move(l));
}

// Plain HTTP is only for a reverse proxy in front, which must be named: otherwise every client
// would be the proxy, or X-Forwarded-For would be believed from anyone.
void ConfigParser::check_plain_http(const EncryptedListener& l, const Field& f) {
  if (l.plain_http && l.trusted_proxies.empty()) {
    r_.error(f, "plain_http: true needs trusted_proxies (the reverse proxy's addresses, e.g. [127.0.0.1/32])");
  }
  if (!l.plain_http && !l.trusted_proxies.empty()) {
    const YAML::Node node = f.node["trusted_proxies"];
    r_.error(Field{node, f.path + ".trusted_proxies", node.Mark()},
             "trusted_proxies is read only with plain_http: true (X-Forwarded-For from a TLS-terminating proxy)");
  }
}

void ConfigParser::read_client(const std::string& id, const Field& f) {
  Client c;
  c.id = id;
  c.profile = "default";
  if (!client_id_ok(id))
    r_.error(f, "'" + id + "' is not a client ID (1-63 of a-z, 0-9 and '-', not at either end: it is a DNS label)");
  r_.fields(f, {
      {"profile", [&](const Field& v) { c.profile = reference(v, profiles_, "profile").value_or("default"); }, true},
      {"labels", [&](const Field& v) {
         r_.entries(v, [&](const std::string& key, const Field& l) {
           if (auto s = r_.string(l, "a string")) c.labels[key] = *s;
         });
       }},
  });
  cfg_->clients.push_back(std::move(c));
}

// Called after the whole document: listeners need a certificate, SNI client IDs a server_name.
void ConfigParser::check_encrypted(const Field& root) {
  const Config& c = *cfg_;
  const bool listeners = !c.dot.empty() || !c.doh.empty();
  if (needs_certificate(c) && (c.tls.certificate.empty() || c.tls.key.empty())) {
    r_.error(key_of(root, c.dot.empty() ? "doh" : "dot"),
             "DoT and DoH listeners need 'tls: {certificate, key}' (PEM files: the chain and its private key)");
  }
  if (!c.clients.empty() && !listeners) {
    r_.error(key_of(root, "clients"), "clients are identified only on 'dot' or 'doh' listeners; neither is set");
  }
  if (!c.clients.empty() && !c.dot.empty() && c.tls.server_name.empty()) {
    r_.error(key_of(root, "dot"), "DoT client IDs are read from the SNI '<id>.<tls.server_name>'; tls.server_name is not set");
  }
}

}  // namespace sprout::config::detail

namespace sprout::config {

bool needs_certificate(const Config& c) noexcept {
  return !c.dot.empty() || std::any_of(c.doh.begin(), c.doh.end(), [](const EncryptedListener& l) { return !l.plain_http; });
}

}  // namespace sprout::config
