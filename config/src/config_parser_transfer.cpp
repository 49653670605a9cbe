// Readers for lists followed by zone transfer: `source: axfr://primary[:port]/zone` and the
// `transfer:` block (more primaries, TSIG key, timers, caps, who may NOTIFY).
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "address_parts.hpp"
#include "config_parser.hpp"
#include "values.hpp"

namespace sprout::config::detail {
namespace {

constexpr std::uint16_t kDnsPort = 53;
constexpr std::string_view kAxfrScheme = "axfr://";

// "127.0.0.1", "127.0.0.1:5300", "[::1]", "[::1]:5300": a primary is an address (its name
// would need a resolver the filter itself may depend on), port 53 unless given.
std::optional<Endpoint> parse_primary(std::string_view text) {
  if (auto e = parse_endpoint(text)) return e;
  std::string_view host = text;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    auto a = IpAddress::parse(host);
    if (a && !a->v4) return Endpoint{*a, kDnsPort};
    return std::nullopt;
  }
  auto a = IpAddress::parse(host);
  if (a && a->v4) return Endpoint{*a, kDnsPort};
  return std::nullopt;
}

bool is_base64(std::string_view s) {
  if (s.empty() || s.size() % 4 != 0) return false;
  std::size_t pad = 0;
  for (char c : s) {
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c == '=') ++pad;
    else if (pad > 0 || !(alnum || c == '+' || c == '/')) return false;
  }
  return pad <= 2;
}

// The base64 secret in a key file: the file's only word, or BIND's `secret "...";` line.
std::string secret_in(const std::string& text) {
  const auto quoted = text.find("secret");
  if (quoted != std::string::npos) {
    const auto open = text.find('"', quoted);
    const auto close = open == std::string::npos ? open : text.find('"', open + 1);
    if (close != std::string::npos) return text.substr(open + 1, close - open - 1);
  }
  std::istringstream in(text);
  std::string word, extra;
  in >> word;
  return in >> extra ? std::string() : word;
}

}  // namespace

std::optional<Transfer> ConfigParser::read_axfr_source(const Field& f, const std::string& list, const std::string& text) {
  const std::string_view rest = std::string_view(text).substr(kAxfrScheme.size());
  const auto slash = rest.find('/');
  const std::string_view host = rest.substr(0, slash);
  const std::string_view zone = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  auto primary = parse_primary(host);
  if (!primary) {
    r_.error(f, "'" + text + "': '" + std::string(host) +
                    "' is not a primary address[:port] (e.g. axfr://192.0.2.1/rpz.example or axfr://[2001:db8::1]:5300/rpz.example)");
    return std::nullopt;
  }
  auto name = normalize_domain(zone);
  if (zone.empty() || !name.value) {
    r_.error(f, "'" + text + "': expected the zone after the primary, e.g. axfr://192.0.2.1/rpz.example" +
                    (zone.empty() ? std::string() : " ('" + std::string(zone) + "' " + name.why + ")"));
    return std::nullopt;
  }
  // One follower and one NOTIFY target per zone: two lists naming it would fight over it.
  const std::string owner = "list " + list + " (line " + std::to_string(f.node.Mark().line + 1) + ")";
  if (auto [it, fresh] = zone_owner_.emplace(*name.value, owner); !fresh) {
    r_.error(f, "'" + text + "': zone '" + *name.value + "' is already followed by " + it->second + "; a zone may feed one list");
    return std::nullopt;
  }
  Transfer t;
  t.zone = *name.value;
  t.primaries.push_back(*primary);
  return t;
}

void ConfigParser::read_transfer(List& l, const Field& f) {
  Transfer& t = *l.transfer;
  r_.fields(f, {
      {"primaries", [&](const Field& v) {
         r_.items(v, [&](const Field& item) {
           auto s = r_.string(item, "a primary address[:port]");
           if (!s) return;
           auto p = parse_primary(*s);
           if (!p) r_.error(item, "'" + *s + "' is not a primary address[:port] (e.g. 192.0.2.1, 192.0.2.1:5300, [2001:db8::1]:53)");
           else if (std::find(t.primaries.begin(), t.primaries.end(), *p) == t.primaries.end()) t.primaries.push_back(*p);
         });
       }},
      {"tsig", [&](const Field& v) { t.tsig = read_tsig(v); }},
      {"refresh", [&](const Field& v) { t.refresh = seconds(v, std::chrono::seconds(1), std::chrono::hours(24 * 30)); }},
      {"retry", [&](const Field& v) { t.retry = seconds(v, std::chrono::seconds(1), std::chrono::hours(24 * 30)); }},
      {"expire", [&](const Field& v) { t.expire = seconds(v, std::chrono::minutes(1), std::chrono::hours(24 * 365)); }},
      {"max_time", [&](const Field& v) {
         if (auto s = seconds(v, std::chrono::seconds(1), std::chrono::hours(1))) t.max_time = *s;
       }},
      {"allow_notify", [&](const Field& v) { t.allow_notify = read_prefixes(v); }},
      {"on_expire", [&](const Field& v) {
         if (auto e = r_.choice<OnExpire>(v, {{"keep", OnExpire::keep}, {"drop", OnExpire::drop}})) t.on_expire = *e;
       }},
  });
}

std::optional<TsigKey> ConfigParser::read_tsig(const Field& f) {
  TsigKey k;
  bool complete = true;
  r_.fields(f, {
      {"name", [&](const Field& v) {
         auto s = r_.string(v, "a key name");
         auto n = s ? normalize_domain(*s) : Parsed<std::string>{};
         if (s && !n.value) r_.error(v, "'" + *s + "' " + n.why);
         if (n.value) k.name = *n.value;
         else complete = false;
       }, true},
      {"algorithm", [&](const Field& v) {
         auto a = r_.choice<TsigAlgorithm>(v, {{"hmac-sha256", TsigAlgorithm::hmac_sha256},
                                              {"hmac-sha512", TsigAlgorithm::hmac_sha512}});
         if (a) k.algorithm = *a;
         else complete = false;
       }},
      {"secret_file", [&](const Field& v) { read_tsig_secret(k, v); complete = complete && !k.secret.empty(); }, true},
  });
  if (!complete || k.name.empty() || k.secret.empty()) return std::nullopt;
  return k;
}

void ConfigParser::read_tsig_secret(TsigKey& k, const Field& f) {
  auto s = r_.string(f, "a file path");
  if (!s) return;
  k.secret_file = resolve_path(*s);
  struct stat st {};
  if (::stat(k.secret_file.c_str(), &st) != 0) {
    r_.error(f, "cannot read the TSIG secret file '" + k.secret_file + "' (it must exist, readable only by the service)");
    return;
  }
  // A key other users can read lets them sign transfers and NOTIFYs as the primary.
  if ((st.st_mode & S_IRWXO) != 0) {
    r_.error(f, "the TSIG secret file '" + k.secret_file + "' is readable by other users (mode " +
                    std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7) +
                    std::to_string(st.st_mode & 7) + "): chmod o-rwx it (e.g. 0600 or 0640 to the service's group)");
    return;
  }
  std::ifstream in(k.secret_file);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    r_.error(f, "cannot read the TSIG secret file '" + k.secret_file + "'");
    return;
  }
  const std::string secret = secret_in(text.str());
  if (!is_base64(secret)) {
    r_.error(f, "the TSIG secret file '" + k.secret_file +
                    "' holds no base64 secret (expected the secret alone, or a BIND key file with secret \"...\";)");
    return;
  }
  k.secret = secret;
}

}  // namespace sprout::config::detail
