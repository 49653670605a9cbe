// Fuzz target: list files (plain, hosts, adblock, RPZ, dnsmasq, unbound) and format
// auto-detection. The first byte picks the format (0 = auto); the rest is the file.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "sprout/blocklists/domain_index.hpp"
#include "sprout/blocklists/list_format.hpp"
#include "sprout/blocklists/normalize.hpp"

namespace {

using namespace sprout::blocklists;

// What every rule a parser emits must be: a canonical name the index and lookups agree on.
bool canonical(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength || name.back() == '.') return false;
  std::size_t label = 0;
  for (const char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok || ++label > kMaxLabelLength) return false;
  }
  return label > 0;
}

struct Emitted {
  std::string name;
  Rule rule;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto format = static_cast<Format>(data[0] % 7);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<Emitted> rules;
  std::size_t last_line = 0;
  const ParseStats st = parse_text(text, format, [&](std::string_view name, const Rule& rule, std::size_t line) {
    FUZZ_CHECK(canonical(name));
    FUZZ_CHECK(normalize_domain(name) == std::string(name));  // normalizing again changes nothing
    FUZZ_CHECK(line >= 1 && line >= last_line);
    last_line = line;
    if (rules.size() < 256) rules.push_back({std::string(name), rule});
  });
  FUZZ_CHECK(st.format != Format::auto_detect);
  if (format == Format::auto_detect) FUZZ_CHECK(st.format == detect_format(text.substr(0, 64 * 1024)));
  FUZZ_CHECK(last_line <= st.lines);
  FUZZ_CHECK(st.entries + st.invalid + st.unsupported + st.ip_entries + st.ignored <= st.lines);
  FUZZ_CHECK(st.first_errors.size() <= kMaxReportedErrors);
  FUZZ_CHECK(st.first_errors.size() == std::min<std::size_t>(st.invalid + st.unsupported, kMaxReportedErrors));
  FUZZ_CHECK(st.read_error.empty());

  // What was parsed is found again through the index, whatever the rule mix.
  IndexBuilder builder(7);
  for (const auto& r : rules) builder.add(r.name, r.rule, 1, 0);
  const DomainIndex index = builder.build();
  for (const auto& r : rules) {
    const std::string probe = r.rule.cover == Cover::subtree ? "x." + r.name : r.name;
    if (probe.size() > kMaxNameLength) continue;
    FUZZ_CHECK(index.lookup(probe, 1).verdict != Verdict::none);
  }
  return 0;
}
