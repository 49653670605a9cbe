// Line parsers for the simple formats: domains, hosts, dnsmasq, unbound.
#include "parsers.hpp"

#include <array>

namespace sprout::blocklists::detail {

std::string_view trim(std::string_view s) noexcept {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const std::size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

std::string_view cut_comment(std::string_view s, char c) noexcept {
  return s.substr(0, s.find(c));
}

bool starts_with_ci(std::string_view s, std::string_view prefix) noexcept {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != prefix[i]) return false;
  }
  return true;
}

std::string_view next_token(std::string_view& s) noexcept {
  s = trim(s);
  const std::size_t end = s.find_first_of(" \t");
  std::string_view tok = s.substr(0, end);
  s = end == std::string_view::npos ? std::string_view{} : trim(s.substr(end));
  return tok;
}

LineOutcome outcome_of(NameStatus st) noexcept {
  switch (st) {
    case NameStatus::ok: return {LineKind::entry, {}};
    case NameStatus::ip_address: return {LineKind::ip, "IP address, not a domain"};
    case NameStatus::invalid: break;
  }
  return {LineKind::invalid, "invalid domain name"};
}

NameStatus Emitter::emit(std::string_view raw_name, const Rule& rule) {
  const NameStatus st = normalize_domain_into(raw_name, scratch_);
  if (st == NameStatus::ok) sink_(scratch_, rule, line_);
  return st;
}

namespace {

// Names in hosts files that describe the machine itself, not something to block.
bool is_host_self_name(std::string_view n) noexcept {
  static constexpr std::array<std::string_view, 13> kNames = {
      "localhost", "localhost.localdomain", "localdomain", "local", "broadcasthost",
      "ip6-localhost", "ip6-loopback", "ip6-localnet", "ip6-mcastprefix", "ip6-allnodes",
      "ip6-allrouters", "ip6-allhosts", "0.0.0.0"};
  for (auto k : kNames) {
    if (n.size() == k.size() && starts_with_ci(n, k)) return true;
  }
  return false;
}

class DomainsParser final : public LineParser {
 public:
  LineOutcome parse(std::string_view line, Emitter& out) override {
    line = trim(cut_comment(line, '#'));
    if (line.empty()) return {};
    if (line.find_first_of(" \t") != std::string_view::npos) {
      return {LineKind::invalid, "more than one word on the line"};
    }
    Rule rule;  // name and subdomains
    if (line.starts_with("*.")) {
      rule.cover = Cover::subtree;
      line.remove_prefix(2);
    } else if (line.starts_with('.')) {
      line.remove_prefix(1);
    }
    if (line.find('/') != std::string_view::npos) {
      return {LineKind::unsupported, "URL with a path (DNS can only filter whole hosts)"};
    }
    if (line.find('*') != std::string_view::npos) {
      return {LineKind::unsupported, "wildcard inside a name"};
    }
    return outcome_of(out.emit(line, rule));
  }
};

class HostsParser final : public LineParser {
 public:
  LineOutcome parse(std::string_view line, Emitter& out) override {
    line = trim(cut_comment(line, '#'));
    if (line.empty()) return {};
    const std::string_view address = next_token(line);
    if (!looks_like_ip_address(address)) return {LineKind::invalid, "expected an IP address first"};
    if (line.empty()) return {LineKind::invalid, "address without names"};
    Rule rule;
    rule.cover = Cover::exact;  // hosts entries never cover subdomains
    bool any_ok = false, any_self = false;
    NameStatus last_bad = NameStatus::invalid;
    while (!line.empty()) {
      const std::string_view name = next_token(line);
      if (is_host_self_name(name)) {
        any_self = true;
        continue;
      }
      const NameStatus st = out.emit(name, rule);
      if (st == NameStatus::ok) {
        any_ok = true;
      } else {
        last_bad = st;
      }
    }
    if (any_ok) return {LineKind::entry, {}};
    if (any_self) return {LineKind::ignored, {}};
    return outcome_of(last_bad);
  }
};

class DnsmasqParser final : public LineParser {
 public:
  LineOutcome parse(std::string_view line, Emitter& out) override {
    line = trim(cut_comment(line, '#'));
    if (line.empty()) return {};
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) return {LineKind::unsupported, "not a domain directive"};
    const std::string_view key = trim(line.substr(0, eq));
    std::string_view value = trim(line.substr(eq + 1));
    if (key != "server" && key != "address" && key != "local") {
      return {LineKind::unsupported, "dnsmasq option other than server/address/local"};
    }
    const std::size_t last = value.rfind('/');
    if (!value.starts_with('/') || last == 0) return {LineKind::invalid, "expected /domain/"};
    const std::string_view target = value.substr(last + 1);
    if (key != "address" && !target.empty()) {
      return {LineKind::unsupported, "forwarding to an upstream, not a block"};
    }
    return emit_domains(value.substr(1, last - 1), out);
  }

 private:
  static LineOutcome emit_domains(std::string_view names, Emitter& out) {
    if (names.empty()) return {LineKind::invalid, "empty domain"};
    if (names == "#") return {LineKind::unsupported, "matches every domain"};
    LineOutcome result;
    bool first = true;
    while (true) {  // the line is an entry if any of its names is
      const std::size_t slash = names.find('/');
      const LineOutcome o = outcome_of(out.emit(names.substr(0, slash), Rule{}));
      if (result.kind != LineKind::entry && (first || o.kind == LineKind::entry)) result = o;
      first = false;
      if (slash == std::string_view::npos) break;
      names.remove_prefix(slash + 1);
    }
    return result;
  }
};

class UnboundParser final : public LineParser {
 public:
  LineOutcome parse(std::string_view line, Emitter& out) override {
    line = trim(cut_comment(line, '#'));
    if (line.empty() || line == "server:") return {};
    if (!line.starts_with("local-zone:")) return {LineKind::unsupported, "unbound directive other than local-zone"};
    line = trim(line.substr(11));
    std::string_view name = next_token(line);
    const std::string_view type = next_token(line);
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
    }
    Rule rule;
    if (type == "always_transparent") {
      rule.allow = true;
    } else if (!is_blocking_type(type)) {
      return {LineKind::unsupported, "local-zone type that does not block"};
    }
    return outcome_of(out.emit(name, rule));
  }

 private:
  static bool is_blocking_type(std::string_view t) noexcept {
    static constexpr std::array<std::string_view, 8> kTypes = {
        "deny", "refuse", "static", "always_refuse", "always_nxdomain", "always_null",
        "always_deny", "inform_deny"};
    for (auto k : kTypes) {
      if (t == k) return true;
    }
    return false;
  }
};

}  // namespace

std::unique_ptr<LineParser> make_parser(Format f) {
  switch (f) {
    case Format::hosts: return std::make_unique<HostsParser>();
    case Format::adblock: return make_adblock_parser();
    case Format::dnsmasq: return std::make_unique<DnsmasqParser>();
    case Format::unbound: return std::make_unique<UnboundParser>();
    case Format::rpz: return make_rpz_parser();
    case Format::domains:
    case Format::auto_detect: break;
  }
  return std::make_unique<DomainsParser>();
}

}  // namespace sprout::blocklists::detail
