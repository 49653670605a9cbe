// List file formats: per-format line parsers, auto-detection, and parse statistics.
#pragma once

#include "sprout/blocklists/domain_index.hpp"
#include "sprout/blocklists/line_reader.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sprout::config {
enum class ListFormat;
}

namespace sprout::blocklists {

// Semantics per format (what one entry covers):
//   domains  one name per line (UT1 / squidGuard style): the name and its subdomains;
//            `*.name` = subdomains only, `.name` = name and subdomains; `#` comments.
//   hosts    `address name...`: each name exactly (no subdomains); localhost & co skipped.
//   adblock  `||name^` (name and subdomains), `@@||name^` (allow), `$important` only;
//            any other modifier, wildcard, path, regex or cosmetic rule is unsupported.
//   dnsmasq  `server=/a/b/`, `local=/a/`, `address=/a/...`: names and subdomains.
//   unbound  `local-zone: "name" <blocking type>`: name and subdomains.
//   rpz      QNAME triggers: `name CNAME .` exact name (NXDOMAIN), `*.name` subdomains,
//            `CNAME *.` NODATA, `CNAME rpz-passthru.` allow.
enum class Format { auto_detect, domains, hosts, adblock, dnsmasq, unbound, rpz };

[[nodiscard]] std::string_view format_name(Format f) noexcept;
[[nodiscard]] std::optional<Format> parse_format_name(std::string_view name) noexcept;
[[nodiscard]] Format from_config(config::ListFormat f) noexcept;

// Guesses the format from the first meaningful lines of a file.
[[nodiscard]] Format detect_format(std::string_view head) noexcept;

inline constexpr std::size_t kMaxReportedErrors = 5;

struct ParseStats {
  Format format = Format::auto_detect;  // the format actually used
  std::size_t lines = 0;        // physical lines read
  std::size_t entries = 0;      // lines that produced at least one rule
  std::size_t invalid = 0;      // malformed lines or names
  std::size_t unsupported = 0;  // well-formed rules DNS filtering cannot honour
  std::size_t ip_entries = 0;   // bare IP addresses where a name was expected
  std::size_t ignored = 0;      // well-formed lines that carry nothing (hosts `localhost`)
  std::vector<std::string> first_errors;  // "source:line: why: text", at most 5
  std::string read_error;                 // I/O or gzip failure (list is then unusable)
};

// Receives each rule: the normalized name, what it means, and the physical line number.
using RuleSink = std::function<void(std::string_view name, const Rule& rule, std::size_t line)>;

// Parses every line of `reader` (format auto-detected when auto_detect), calling `sink`
// for each rule. Bad lines are counted, never thrown; `source` labels error messages.
ParseStats parse_list(LineReader& reader, Format format, std::string_view source,
                      const RuleSink& sink);

namespace detail {
class LineParser;
class Emitter;
}  // namespace detail

// Lines handed over one at a time (a zone held in memory), parsed and counted as parse_list
// does; `format` must be known (not auto_detect).
class LineParse {
 public:
  LineParse(Format format, std::string_view source, const RuleSink& sink);
  ~LineParse();
  LineParse(const LineParse&) = delete;
  LineParse& operator=(const LineParse&) = delete;
  void line(std::string_view text, std::size_t number);  // number: 1-based
  [[nodiscard]] ParseStats& stats() noexcept { return stats_; }

 private:
  ParseStats stats_;
  std::string source_;
  std::unique_ptr<detail::LineParser> parser_;
  std::unique_ptr<detail::Emitter> emitter_;
};

struct ZoneCopy;

// The rules of a stored zone copy, what parse_list gives for its text (the SOA line first,
// numbered 1, then the records in the copy's order): records packed as one of the common
// actions below the apex go to `sink` straight from their packed owner; any other record
// goes through the RPZ line parser.
ParseStats parse_zone_copy(const ZoneCopy& copy, std::string_view source, const RuleSink& sink);

// Convenience for tests and small inputs.
ParseStats parse_text(std::string_view text, Format format, const RuleSink& sink);

// Re-scans a list file for the first line whose rule is for `domain` (explain is rare,
// so line numbers are not stored in the index). 1-based.
std::optional<std::size_t> find_line(const std::string& path, Format format, std::string_view domain);

}  // namespace sprout::blocklists
