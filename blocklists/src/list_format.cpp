// Format names, auto-detection and the parse loop (see list_format.hpp).
#include "sprout/blocklists/list_format.hpp"

#include "parsers.hpp"
#include "sprout/config/config.hpp"

#include <array>
#include <utility>

namespace sprout::blocklists {

using detail::LineKind;
using detail::starts_with_ci;
using detail::trim;

namespace {
constexpr std::array<std::pair<Format, std::string_view>, 7> kNames = {{
    {Format::auto_detect, "auto"},
    {Format::domains, "domains"},
    {Format::hosts, "hosts"},
    {Format::adblock, "adblock"},
    {Format::dnsmasq, "dnsmasq"},
    {Format::unbound, "unbound"},
    {Format::rpz, "rpz"},
}};

// Returns the format a single meaningful line implies, or nullopt for no strong signal.
std::optional<Format> classify_line(std::string_view t) noexcept {
  if (t.starts_with("$TTL") || t.starts_with("$ORIGIN")) return Format::rpz;
  if (t.starts_with("||") || t.starts_with("@@")) return Format::adblock;
  if (t.starts_with("server=/") || t.starts_with("address=/") || t.starts_with("local=/")) {
    return Format::dnsmasq;
  }
  if (t.starts_with("local-zone:") || t == "server:") return Format::unbound;
  std::string_view rest = t;
  const std::string_view first = detail::next_token(rest);
  if (!rest.empty() && looks_like_ip_address(first)) return Format::hosts;
  for (std::string_view rr : {" soa ", "\tsoa ", " soa\t", "\tsoa\t", " cname ", "\tcname ",
                              " cname\t", "\tcname\t"}) {
    for (std::size_t i = 0; i + rr.size() <= t.size(); ++i) {
      if (starts_with_ci(t.substr(i), rr)) return Format::rpz;
    }
  }
  return std::nullopt;
}

void record_error(ParseStats& st, std::string_view source, std::size_t line_no,
                  std::string_view why, std::string_view line) {
  if (st.first_errors.size() >= kMaxReportedErrors) return;
  std::string msg(source);
  msg += ':' + std::to_string(line_no) + ": " + std::string(why) + ": ";
  msg += line.substr(0, 120);
  st.first_errors.push_back(std::move(msg));
}

void count(ParseStats& st, const detail::LineOutcome& o, std::string_view source,
           std::size_t line_no, std::string_view line) {
  switch (o.kind) {
    case LineKind::blank: return;
    case LineKind::entry: ++st.entries; return;
    case LineKind::ignored: ++st.ignored; return;
    case LineKind::ip: ++st.ip_entries; return;
    case LineKind::invalid: ++st.invalid; break;
    case LineKind::unsupported: ++st.unsupported; break;
  }
  record_error(st, source, line_no, o.why, trim(line));
}

}  // namespace

std::string_view format_name(Format f) noexcept {
  for (const auto& [fmt, name] : kNames) {
    if (fmt == f) return name;
  }
  return "unknown";
}

std::optional<Format> parse_format_name(std::string_view name) noexcept {
  for (const auto& [fmt, n] : kNames) {
    if (n == name) return fmt;
  }
  return std::nullopt;
}

Format from_config(config::ListFormat f) noexcept {
  switch (f) {
    case config::ListFormat::domains: return Format::domains;
    case config::ListFormat::hosts: return Format::hosts;
    case config::ListFormat::adblock: return Format::adblock;
    case config::ListFormat::rpz: return Format::rpz;
    case config::ListFormat::auto_detect: break;
  }
  return Format::auto_detect;
}

Format detect_format(std::string_view head) noexcept {
  bool bang_comments = false;
  int meaningful = 0;
  while (!head.empty() && meaningful < 50) {
    const std::size_t nl = head.find('\n');
    const std::string_view t = trim(head.substr(0, nl));
    head = nl == std::string_view::npos ? std::string_view{} : head.substr(nl + 1);
    if (t.empty() || t.starts_with('#') || t.starts_with(';')) continue;
    if (starts_with_ci(t, "[adblock")) return Format::adblock;
    if (t.starts_with('!')) {
      bang_comments = true;
      continue;
    }
    ++meaningful;
    if (auto f = classify_line(t)) return *f;
  }
  return bang_comments ? Format::adblock : Format::domains;
}

ParseStats parse_list(LineReader& reader, Format format, std::string_view source,
                      const RuleSink& sink) {
  if (format == Format::auto_detect) format = detect_format(reader.peek(64 * 1024));
  LineParse parse(format, source, sink);
  std::string_view line;
  while (reader.next(line)) parse.line(line, reader.line_number());
  if (reader.failed()) parse.stats().read_error = reader.error();
  return std::move(parse.stats());
}

LineParse::LineParse(Format format, std::string_view source, const RuleSink& sink)
    : source_(source), parser_(detail::make_parser(format)), emitter_(std::make_unique<detail::Emitter>(sink)) {
  stats_.format = format;
}

LineParse::~LineParse() = default;

void LineParse::line(std::string_view text, std::size_t number) {
  ++stats_.lines;
  emitter_->set_line(number);
  count(stats_, parser_->parse(text, *emitter_), source_, number, text);
}

ParseStats parse_text(std::string_view text, Format format, const RuleSink& sink) {
  LineReader reader = LineReader::from_text(text);
  return parse_list(reader, format, "<text>", sink);
}

std::optional<std::size_t> find_line(const std::string& path, Format format, std::string_view domain) {
  const auto wanted = normalize_domain(domain);
  if (!wanted) return std::nullopt;
  LineReader reader = LineReader::open_file(path);
  if (reader.failed()) return std::nullopt;
  std::optional<std::size_t> found;
  parse_list(reader, format, path, [&](std::string_view name, const Rule&, std::size_t line) {
    if (!found && name == *wanted) found = line;
  });
  return found;
}

}  // namespace sprout::blocklists
