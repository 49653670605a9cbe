// Every list file in the shared data set loads, and its entry count matches MANIFEST.tsv
// (entries = loaded + invalid + unsupported + ip + ignored lines, each printed).
#include "sprout/blocklists/line_reader.hpp"
#include "sprout/blocklists/list_format.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace bl = sprout::blocklists;

namespace {

const std::string kData = SPROUT_SHARED_DATA;

struct ManifestRow {
  std::string path;
  std::string format;
  std::optional<std::size_t> entries;
};

std::vector<ManifestRow> read_manifest() {
  std::vector<ManifestRow> rows;
  std::ifstream in(kData + "/MANIFEST.tsv");
  std::string line;
  std::getline(in, line);  // header: path format bytes lines entries ...
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, '\t');) cols.push_back(c);
    if (cols.size() < 5 || cols[0].rfind("blocklists/", 0) != 0) continue;
    ManifestRow r{cols[0], cols[1], std::nullopt};
    if (!cols[4].empty()) r.entries = std::stoul(cols[4]);
    rows.push_back(r);
  }
  return rows;
}

// The project's reading of each manifest format; nullopt = deliberately not supported.
std::optional<bl::Format> supported_format(const std::string& manifest_format) {
  if (manifest_format == "plain" || manifest_format == "plain+inline-comments" ||
      manifest_format == "wildcard") {
    return bl::Format::domains;
  }
  if (manifest_format == "hosts") return bl::Format::hosts;
  if (manifest_format.rfind("adblock", 0) == 0) return bl::Format::adblock;
  if (manifest_format == "dnsmasq") return bl::Format::dnsmasq;
  if (manifest_format == "unbound") return bl::Format::unbound;
  if (manifest_format == "rpz") return bl::Format::rpz;
  return std::nullopt;  // urls (host/path), regex, metadata
}

const char* why_unsupported(const std::string& f) {
  if (f == "urls") return "URL list (host/path): DNS sees only host names; blocking whole hosts would over-block";
  if (f == "regex") return "regular expressions over URLs: not a DNS list format";
  if (f == "metadata") return "category catalogue, not a list";
  return "unknown format";
}

bl::ParseStats load(const std::string& path, bl::Format f, std::size_t& rules) {
  auto reader = bl::LineReader::open_file(path);
  REQUIRE_FALSE(reader.failed());
  rules = 0;
  return bl::parse_list(reader, f, path, [&](std::string_view, const bl::Rule&, std::size_t) { ++rules; });
}

}  // namespace

TEST_CASE("shared data: every blocklist file loads with the manifest's entry count", "[data]") {
  const auto rows = read_manifest();
  if (rows.empty()) {
    WARN("no shared data at " << kData << ": skipped");
    return;
  }
  std::printf("%-58s %-9s %8s %8s %7s %7s %6s %6s\n", "file", "format", "manifest", "loaded",
              "invalid", "unsupp", "ip", "ignored");
  std::size_t supported = 0, unsupported_files = 0;
  for (const auto& row : rows) {
    const std::string path = kData + "/" + row.path;
    const auto fmt = supported_format(row.format);
    std::size_t rules = 0;
    const auto st = load(path, fmt.value_or(bl::Format::auto_detect), rules);
    std::printf("%-58s %-9s %8s %8zu %7zu %7zu %6zu %6zu\n", row.path.c_str(),
                std::string(bl::format_name(st.format)).c_str(),
                row.entries ? std::to_string(*row.entries).c_str() : "-", st.entries, st.invalid,
                st.unsupported, st.ip_entries, st.ignored);
    INFO(row.path << " (" << row.format << ")");
    CHECK(st.read_error.empty());
    if (!fmt) {
      ++unsupported_files;
      std::printf("    NOT SUPPORTED: %s (%s)\n", row.format.c_str(), why_unsupported(row.format));
      continue;
    }
    ++supported;
    REQUIRE(row.entries);
    CHECK(st.entries + st.invalid + st.unsupported + st.ip_entries + st.ignored == *row.entries);
    CHECK(st.entries > 0);
    CHECK(rules >= st.entries);
    // Auto-detection must pick the same format as the manifest says.
    std::size_t detected_rules = 0;
    const auto detected = load(path, bl::Format::auto_detect, detected_rules);
    CHECK(bl::format_name(detected.format) == bl::format_name(*fmt));
    for (const auto& e : st.first_errors) std::printf("    %s\n", e.c_str());
  }
  std::printf("supported files: %zu, not supported: %zu\n", supported, unsupported_files);
  CHECK(supported > 80);
}

TEST_CASE("shared data: all supported lists in one index", "[data]") {
  const auto rows = read_manifest();
  if (rows.empty()) return;
  bl::IndexBuilder builder;
  std::size_t entries = 0;
  bl::ListId id = 0;
  for (const auto& row : rows) {
    const auto fmt = supported_format(row.format);
    if (!fmt) continue;
    auto reader = bl::LineReader::open_file(kData + "/" + row.path);
    const auto st = bl::parse_list(reader, *fmt, row.path, [&](std::string_view n, const bl::Rule& r, std::size_t) {
      builder.add(n, r, bl::CategorySet{1} << (id % 64), id);
    });
    entries += st.entries;
    ++id;
  }
  const auto idx = builder.build();
  std::printf("all lists: %zu entries, %zu distinct names, index %zu bytes (%.2f bytes/name), %zu attribute tuples\n",
              entries, idx.size(), idx.memory_bytes(),
              static_cast<double>(idx.memory_bytes()) / static_cast<double>(idx.size()), idx.attr_count());
  CHECK(idx.memory_bytes() < idx.size() * 24);
  // Spot checks against the real lists.
  CHECK(idx.lookup("0011pgvip.com", ~bl::CategorySet{0}).verdict == bl::Verdict::block);      // rpz apex
  CHECK(idx.lookup("x.0011pgvip.com", ~bl::CategorySet{0}).verdict == bl::Verdict::block);    // rpz *.
  CHECK(idx.lookup("datarouter.ol.epicgames.com", ~bl::CategorySet{0}).verdict != bl::Verdict::none);
}
