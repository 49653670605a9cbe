// Internal: the per-format line parsers behind parse_list().
#pragma once

#include "sprout/blocklists/list_format.hpp"
#include "sprout/blocklists/normalize.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace sprout::blocklists::detail {

enum class LineKind { blank, entry, invalid, unsupported, ip, ignored };

struct LineOutcome {
  LineKind kind = LineKind::blank;
  std::string_view why;  // for invalid / unsupported
};

// Normalizes names and forwards rules to the sink for the current line.
class Emitter {
 public:
  explicit Emitter(const RuleSink& sink) : sink_(sink) {}
  NameStatus emit(std::string_view raw_name, const Rule& rule);
  void set_line(std::size_t line) noexcept { line_ = line; }

 private:
  const RuleSink& sink_;
  std::string scratch_;
  std::size_t line_ = 0;
};

class LineParser {
 public:
  virtual ~LineParser() = default;
  virtual LineOutcome parse(std::string_view line, Emitter& out) = 0;
};

std::unique_ptr<LineParser> make_parser(Format f);

// Shared helpers.
std::string_view trim(std::string_view s) noexcept;
std::string_view cut_comment(std::string_view s, char c) noexcept;
bool starts_with_ci(std::string_view s, std::string_view prefix) noexcept;
// Splits off the next whitespace-separated token.
std::string_view next_token(std::string_view& s) noexcept;
// Maps a normalization status of a single-name line to a line outcome.
LineOutcome outcome_of(NameStatus st) noexcept;

// An RPZ trigger on something else than the query name (owner below the apex ending in the
// label rpz-ip, rpz-nsdname, rpz-nsip or rpz-client-ip): not supported.
bool is_non_qname_trigger(std::string_view name) noexcept;
// The rule an RPZ QNAME owner gives before its action: exactly that name, or with a leading
// "*." (removed from `name`) its subdomains. One place for the parser and the packed copy.
Rule rpz_owner_rule(std::string_view& name) noexcept;

std::unique_ptr<LineParser> make_adblock_parser();
std::unique_ptr<LineParser> make_rpz_parser();

}  // namespace sprout::blocklists::detail
