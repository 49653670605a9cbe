// The rules of a stored zone copy (see parse_zone_copy in list_format.hpp): a restart indexes
// a million-record zone from its packed records, not from text run through the line parser.
#include "parsers.hpp"
#include "sprout/blocklists/list_format.hpp"
#include "sprout/blocklists/normalize.hpp"
#include "sprout/blocklists/zone_copy.hpp"

#include <optional>
#include <utility>

namespace sprout::blocklists {
namespace {

using Action = ZoneRecords::Action;

struct PackedRule {
  std::string_view name;
  Rule rule;
};

// The rule the RPZ parser gives for a record packed as a common action below the apex, when
// it gives exactly that; null otherwise (the record then goes through the parser).
std::optional<PackedRule> packed_rule(const ZoneRecords::Record& r) {
  const std::optional<Action> action = r.action();
  const std::optional<std::string_view> owner = r.below_apex();
  if (!action || !owner || detail::is_non_qname_trigger(*owner)) return std::nullopt;
  PackedRule p{*owner, Rule{}};
  p.rule = detail::rpz_owner_rule(p.name);
  // Stored normalized by the transfer; anything else (a hand-made copy) is the parser's.
  if (!is_normal_domain(p.name)) return std::nullopt;
  switch (*action) {
    case Action::nodata: p.rule.nodata = true; break;
    case Action::passthru: p.rule.allow = true; break;
    case Action::nxdomain:
    case Action::drop: break;
  }
  return p;
}

// The SOA line as the transfer writes it for the records' apex: then the apex the parser
// strips from owners is the one the packing cut off, so a packed owner is the parser's name.
bool soa_of_apex(std::string_view soa, std::string_view apex) noexcept {
  return apex.size() > 1 && apex.ends_with('.') && soa.starts_with(apex) && soa.substr(apex.size()).starts_with("\tIN\tSOA\t");
}

}  // namespace

ParseStats parse_zone_copy(const ZoneCopy& copy, std::string_view source, const RuleSink& sink) {
  LineParse parse(Format::rpz, source, sink);
  parse.line(copy.soa, 1);
  const bool packed = soa_of_apex(copy.soa, copy.records.apex());
  std::size_t number = 1;
  std::string text;
  copy.records.for_each_record([&](const ZoneRecords::Record& r) {
    ++number;
    if (const auto p = packed ? packed_rule(r) : std::nullopt) {
      ++parse.stats().lines;
      ++parse.stats().entries;
      sink(p->name, p->rule, number);
      return;
    }
    text.clear();
    r.line(text);
    parse.line(text, number);
  });
  return std::move(parse.stats());
}

}  // namespace sprout::blocklists
