// Line parser for adblock / AdGuard DNS syntax (`||name^`, `@@||name^`, `$important`).
#include "parsers.hpp"

namespace sprout::blocklists::detail {
namespace {

bool is_cosmetic(std::string_view line) noexcept {
  for (std::string_view marker : {"##", "#@#", "#?#", "#$#", "#%#", "#@$#", "#@?#"}) {
    if (line.find(marker) != std::string_view::npos) return true;
  }
  return false;
}

// Only `important` keeps DNS semantics; every other modifier narrows or changes the rule
// (third-party, denyallow, client, dnstype, ...), so applying it as a plain block would
// over-block.
bool modifiers_supported(std::string_view mods) noexcept {
  while (true) {
    const std::size_t comma = mods.find(',');
    if (trim(mods.substr(0, comma)) != "important") return false;
    if (comma == std::string_view::npos) return true;
    mods.remove_prefix(comma + 1);
  }
}

class AdblockParser final : public LineParser {
 public:
  LineOutcome parse(std::string_view line, Emitter& out) override {
    line = trim(line);
    if (line.empty() || line.starts_with('!') || line.starts_with('[')) return {};
    if (is_cosmetic(line)) return {LineKind::unsupported, "cosmetic rule"};
    if (line.starts_with('#')) return {};  // `# comment` (hosts-style) comment
    Rule rule;
    if (line.starts_with("@@")) {
      rule.allow = true;
      line.remove_prefix(2);
    }
    if (line.size() > 1 && line.starts_with('/') && line.ends_with('/')) {
      return {LineKind::unsupported, "regular expression rule"};
    }
    const std::size_t dollar = line.find('$');
    if (dollar != std::string_view::npos) {
      if (!modifiers_supported(line.substr(dollar + 1))) return {LineKind::unsupported, "rule modifier"};
      line = line.substr(0, dollar);
    }
    if (line.starts_with("||")) {
      line.remove_prefix(2);
    } else if (line.starts_with('|')) {
      return {LineKind::unsupported, "anchored URL rule"};
    }
    if (line.ends_with('|')) line.remove_suffix(1);
    if (line.ends_with('^')) line.remove_suffix(1);
    if (line.find_first_of("*/^|:?=&") != std::string_view::npos) {
      return {LineKind::unsupported, "wildcard or URL pattern"};
    }
    if (line.find_first_of(" \t") != std::string_view::npos) {
      return {LineKind::invalid, "whitespace inside a rule"};
    }
    return outcome_of(out.emit(line, rule));
  }
};

}  // namespace

std::unique_ptr<LineParser> make_adblock_parser() { return std::make_unique<AdblockParser>(); }

}  // namespace sprout::blocklists::detail
