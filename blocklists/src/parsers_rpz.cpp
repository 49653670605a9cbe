// Line parser for RPZ zone files (QNAME triggers only).
#include "parsers.hpp"

#include <algorithm>
#include <string>

namespace sprout::blocklists::detail {
namespace {

bool is_ttl(std::string_view t) noexcept {
  if (t.empty() || t[0] < '0' || t[0] > '9') return false;
  for (char c : t) {
    const bool ok = (c >= '0' && c <= '9') || c == 's' || c == 'm' || c == 'h' || c == 'd' ||
                    c == 'w' || c == 'S' || c == 'M' || c == 'H' || c == 'D' || c == 'W';
    if (!ok) return false;
  }
  return true;
}

bool is_class(std::string_view t) noexcept {
  return t == "IN" || t == "in" || t == "CH" || t == "ch" || t == "HS" || t == "hs" ||
         t == "ANY" || t == "any";
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Calls `plain(i)` for every character of `s` outside double-quoted text (TXT data, where
// `\"` is an escaped quote); stops early when `plain` returns false.
template <class Plain>
void for_each_unquoted(std::string_view s, Plain plain) {
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (quoted && s[i] == '\\') {
      ++i;  // the escaped character is data
    } else if (s[i] == '"') {
      quoted = !quoted;
    } else if (!quoted && !plain(i)) {
      return;
    }
  }
}

// Removes a `;` comment (outside double quotes).
std::string_view strip_comment(std::string_view s) noexcept {
  std::size_t end = s.size();
  for_each_unquoted(s, [&](std::size_t i) {
    if (s[i] != ';') return true;
    end = i;
    return false;
  });
  return s.substr(0, end);
}

// How a line moves the depth of a multi-line record: parentheses in quoted text do not count.
int paren_change(std::string_view s) noexcept {
  int change = 0;
  for_each_unquoted(s, [&](std::size_t i) {
    change += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
    return true;
  });
  return change;
}

class RpzParser final : public LineParser {
 public:
  LineOutcome parse(std::string_view raw, Emitter& out) override {
    std::string_view line = strip_comment(raw);
    const bool continuation = depth_ > 0;
    depth_ = std::max(0, depth_ + paren_change(line));
    if (continuation) return {};  // inside a multi-line record (the SOA)
    const bool inherits_owner = !line.empty() && (line[0] == ' ' || line[0] == '\t');
    line = trim(line);
    if (line.empty()) return {};
    if (line.starts_with('$')) return directive(line);
    if (!inherits_owner) last_owner_.assign(next_token(line));  // else: previous owner
    std::string_view type = next_token(line);
    for (int i = 0; i < 2 && (is_ttl(type) || is_class(type)); ++i) type = next_token(line);
    const std::string utype = lower(type);
    const std::string fqdn = resolve(last_owner_);
    if (utype == "soa") {
      if (!apex_from_soa_) apex_ = fqdn;
      apex_from_soa_ = true;
      return {};
    }
    if (utype == "ns") return {};  // zone plumbing, not a trigger
    return trigger(fqdn, utype, next_token(line), out);
  }

 private:
  LineOutcome directive(std::string_view line) {
    const std::string_view name = next_token(line);
    if (name == "$TTL") return {};
    if (name == "$ORIGIN") {
      std::string_view o = next_token(line);
      if (o.ends_with('.')) o.remove_suffix(1);
      origin_ = lower(o);
      if (!apex_from_soa_ && apex_.empty()) apex_ = origin_;
      return {};
    }
    return {LineKind::unsupported, "zone file directive"};
  }

  std::string resolve(std::string_view owner) const {
    if (owner == "@") return origin_;
    if (owner.ends_with('.')) return lower(owner.substr(0, owner.size() - 1));
    if (origin_.empty()) return lower(owner);
    return lower(owner) + "." + origin_;
  }

  // The QNAME a trigger applies to: the owner without the policy zone's apex.
  std::string_view strip_apex(std::string_view fqdn) const noexcept {
    if (apex_.empty() || fqdn.size() <= apex_.size()) return fqdn;
    const std::size_t cut = fqdn.size() - apex_.size();
    if (fqdn.substr(cut) == apex_ && fqdn[cut - 1] == '.') return fqdn.substr(0, cut - 1);
    return fqdn;
  }

  LineOutcome trigger(const std::string& fqdn, const std::string& type, std::string_view target,
                      Emitter& out) {
    if (!apex_.empty() && fqdn == apex_) return {LineKind::ignored, {}};
    std::string_view name = strip_apex(fqdn);
    if (is_non_qname_trigger(name)) return {LineKind::unsupported, "non-QNAME trigger"};
    if (type != "cname") return {LineKind::unsupported, "local data (only CNAME actions are supported)"};
    Rule rule = rpz_owner_rule(name);
    const std::string action = lower(target);
    if (action == "*.") {
      rule.nodata = true;
    } else if (action == "rpz-passthru." || action == "rpz-passthru") {
      rule.allow = true;
    } else if (action != "." && action != "rpz-drop." && action != "rpz-drop") {
      return {LineKind::unsupported, "CNAME redirect or other policy action"};
    }
    return outcome_of(out.emit(name, rule));
  }

  int depth_ = 0;
  std::string origin_;
  std::string apex_;
  bool apex_from_soa_ = false;
  std::string last_owner_;
};

}  // namespace

Rule rpz_owner_rule(std::string_view& name) noexcept {
  Rule rule;
  rule.cover = Cover::exact;  // an RPZ owner is exactly that name
  if (name.starts_with("*.")) {
    rule.cover = Cover::subtree;
    name.remove_prefix(2);
  }
  return rule;
}

bool is_non_qname_trigger(std::string_view name) noexcept {
  for (std::string_view t : {"rpz-ip", "rpz-nsdname", "rpz-nsip", "rpz-client-ip"}) {
    if (name.ends_with(t) && (name.size() == t.size() || name[name.size() - t.size() - 1] == '.')) return true;
  }
  return false;
}

std::unique_ptr<LineParser> make_rpz_parser() { return std::make_unique<RpzParser>(); }

}  // namespace sprout::blocklists::detail
