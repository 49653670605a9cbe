// Tests of the list format parsers, auto-detection and gzip input.
#include "sprout/blocklists/line_reader.hpp"
#include "sprout/blocklists/list_format.hpp"

#include <catch2/catch.hpp>
#include <zlib.h>

#include <cstdio>
#include <string>
#include <unistd.h>
#include <vector>

namespace bl = sprout::blocklists;
using bl::Cover;
using bl::Format;

namespace {

struct Got {
  std::string name;
  bl::Rule rule;
  std::size_t line;
};

struct Parsed {
  bl::ParseStats stats;
  std::vector<Got> rules;
  [[nodiscard]] const Got* find(const std::string& n) const {
    for (const auto& g : rules) {
      if (g.name == n) return &g;
    }
    return nullptr;
  }
};

Parsed parse(std::string_view text, Format f) {
  Parsed p;
  p.stats = bl::parse_text(text, f, [&](std::string_view n, const bl::Rule& r, std::size_t line) {
    p.rules.push_back({std::string(n), r, line});
  });
  return p;
}

std::string temp_path(const char* suffix) {
  char tmpl[] = "/tmp/sprout_bl_testXXXXXX";
  const int fd = mkstemp(tmpl);
  REQUIRE(fd >= 0);
  close(fd);
  std::remove(tmpl);
  return std::string(tmpl) + suffix;
}

}  // namespace

TEST_CASE("domains format: nasty lines", "[formats]") {
  const auto p = parse(
      "# comment\n"
      "Example.COM.\r\n"
      "\tspaced.org  \n"
      "inline.net # trailing comment\n"
      "*.wild.com\n"
      ".dotted.com\n"
      "bücher.de\n"
      "a..b.com\n"
      "toolong-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com\n"
      "1.2.3.4\n"
      "host.com/path/page.html\n"
      "two words.com\n"
      "\n",
      Format::domains);
  CHECK(p.stats.entries == 6);
  CHECK(p.stats.invalid == 3);
  CHECK(p.stats.ip_entries == 1);
  CHECK(p.stats.unsupported == 1);
  REQUIRE(p.find("example.com"));
  CHECK(p.find("example.com")->rule.cover == Cover::exact_and_subtree);
  CHECK(p.find("example.com")->line == 2);
  CHECK(p.find("spaced.org"));
  CHECK(p.find("inline.net"));
  REQUIRE(p.find("wild.com"));
  CHECK(p.find("wild.com")->rule.cover == Cover::subtree);
  CHECK(p.find("dotted.com")->rule.cover == Cover::exact_and_subtree);
  CHECK(p.find("xn--bcher-kva.de"));
  REQUIRE(p.stats.first_errors.size() == 4);  // invalid and unsupported lines
  CHECK(p.stats.first_errors[0].find("<text>:8: invalid domain name: a..b.com") == 0);
}

TEST_CASE("first errors are capped at 5 and name the line", "[formats]") {
  std::string text;
  for (int i = 0; i < 20; ++i) text += "bad name\n";
  const auto p = parse(text, Format::domains);
  CHECK(p.stats.invalid == 20);
  REQUIRE(p.stats.first_errors.size() == bl::kMaxReportedErrors);
  CHECK(p.stats.first_errors[4].find("<text>:5:") == 0);
}

TEST_CASE("hosts format", "[formats]") {
  const auto p = parse(
      "127.0.0.1 localhost\n"
      "::1 localhost ip6-localhost ip6-loopback\n"
      "255.255.255.255 broadcasthost\n"
      "0.0.0.0 ads.example.com tracker.Example.net # two names\n"
      "0.0.0.0\tTAB.example.org.\r\n"
      "127.0.0.1 bad..name\n"
      "not-an-ip example.com\n"
      "# 0.0.0.0 commented.com\n"
      "0.0.0.0\n",
      Format::hosts);
  CHECK(p.stats.entries == 2);
  CHECK(p.stats.ignored == 3);
  CHECK(p.stats.invalid == 3);
  CHECK(p.rules.size() == 3);
  REQUIRE(p.find("tracker.example.net"));
  CHECK(p.find("tracker.example.net")->rule.cover == Cover::exact);
  CHECK(p.find("tab.example.org"));
  CHECK_FALSE(p.find("localhost"));
}

TEST_CASE("adblock format", "[formats]") {
  const auto p = parse(
      "[Adblock Plus 2.0]\n"
      "! Title: x\n"
      "||ads.example.com^\n"
      "@@||good.example.com^\n"
      "||imp.example.com^$important\n"
      "||a.b^$third-party\n"
      "||c.d^$denyallow=x.com\n"
      "||e.f^$client=127.0.0.1\n"
      "||g.h^$dnstype=AAAA\n"
      "example.org##.banner\n"
      "||path.com/ads/*\n"
      "@@||aax-*.amazon.*^\n"
      "/regex.*/\n"
      "|http://x.com^\n"
      "||UPPER.Example.NET^\r\n"
      "||bad..name^\n"
      "plain.example.com\n",
      Format::adblock);
  CHECK(p.stats.entries == 5);
  CHECK(p.stats.unsupported == 9);
  CHECK(p.stats.invalid == 1);
  REQUIRE(p.find("good.example.com"));
  CHECK(p.find("good.example.com")->rule.allow);
  CHECK(p.find("ads.example.com")->rule.cover == Cover::exact_and_subtree);
  CHECK_FALSE(p.find("ads.example.com")->rule.allow);
  CHECK(p.find("imp.example.com"));
  CHECK(p.find("upper.example.net"));
  CHECK_FALSE(p.find("a.b"));  // $third-party is never a plain block
}

TEST_CASE("dnsmasq format", "[formats]") {
  const auto p = parse(
      "# comment\n"
      "server=/blocked.com/\n"
      "address=/sink.com/0.0.0.0\n"
      "address=/hash.com/#\n"
      "local=/local-block.com/\n"
      "server=/a.com/b.com/\n"
      "server=/fwd.com/8.8.8.8\n"
      "cache-size=1000\n"
      "server=//\n",
      Format::dnsmasq);
  CHECK(p.stats.entries == 5);
  CHECK(p.stats.unsupported == 2);
  CHECK(p.stats.invalid == 1);
  CHECK(p.find("blocked.com"));
  CHECK(p.find("b.com"));
  CHECK(p.find("sink.com")->rule.cover == Cover::exact_and_subtree);
}

TEST_CASE("rpz format: SOA, relative owners, actions", "[formats]") {
  const auto p = parse(
      "$TTL 300\n"
      "$ORIGIN rpz.example.\n"
      "@ IN SOA localhost. admin.localhost. (\n"
      "   1 ; serial\n"
      "   3600 600 86400\n"
      "   300 )\n"
      "    IN NS localhost.\n"
      "bad.com CNAME .   ; relative owner\n"
      "*.bad.com CNAME .\n"
      "nodata.com 300 IN CNAME *.\n"
      "ok.bad.com CNAME rpz-passthru.\n"
      "abs.net.rpz.example. CNAME .\n"
      "redirect.com CNAME walled.garden.example.\n"
      "local.com A 1.2.3.4\n"
      "32.1.2.0.10.rpz-ip CNAME .\n"
      "bad..x CNAME .\n",
      Format::rpz);
  CHECK(p.stats.entries == 5);
  CHECK(p.stats.unsupported == 3);
  CHECK(p.stats.invalid == 1);
  REQUIRE(p.find("bad.com"));
  CHECK(p.rules[0].rule.cover == Cover::exact);
  CHECK(p.rules[1].name == "bad.com");
  CHECK(p.rules[1].rule.cover == Cover::subtree);
  CHECK(p.find("nodata.com")->rule.nodata);
  CHECK(p.find("ok.bad.com")->rule.allow);
  CHECK(p.find("abs.net"));
}

TEST_CASE("rpz format: absolute owners without $ORIGIN", "[formats]") {
  const auto p = parse(
      "@ IN SOA localhost. admin.localhost. ( 1 3600 600 86400 300 )\n"
      "  IN NS localhost.\n"
      "Evil.COM.   CNAME .\n"
      "*.evil.com. CNAME .\n",
      Format::rpz);
  CHECK(p.stats.entries == 2);
  CHECK(p.stats.invalid + p.stats.unsupported == 0);
  CHECK(p.find("evil.com"));
}

TEST_CASE("rpz format: parentheses and semicolons inside quoted TXT data", "[formats]") {
  // A TXT record whose text holds "(" must not open a multi-line record that swallows the
  // triggers after it; a quoted ";" is not a comment, an escaped quote does not end the text.
  const auto p = parse(
      "$ORIGIN rpz.example.\n"
      "@ IN SOA localhost. admin.localhost. ( 1 3600 600 86400 300 )\n"
      "note TXT \"blocked (policy 7; see \\\"rules(\\\")\"\n"
      "after.com CNAME .\n"
      "multi TXT ( \"a)\"\n"
      "  \"b\" )\n"
      "last.com CNAME .\n",
      Format::rpz);
  CHECK(p.find("after.com"));
  CHECK(p.find("last.com"));
  CHECK(p.stats.entries == 2);
}

TEST_CASE("unbound local-zone format", "[formats]") {
  const auto p = parse(
      "server:\n"
      "local-zone: \"blocked.com\" always_null\n"
      "local-zone: \"nx.com\" always_nxdomain\n"
      "local-zone: \"redir.com\" redirect\n"
      "local-data: \"redir.com A 1.2.3.4\"\n",
      Format::unbound);
  CHECK(p.stats.entries == 2);
  CHECK(p.stats.unsupported == 2);
}

TEST_CASE("format auto-detection", "[formats]") {
  CHECK(bl::detect_format("# c\n0.0.0.0 a.com\n") == Format::hosts);
  CHECK(bl::detect_format("! c\n||a.com^\n") == Format::adblock);
  CHECK(bl::detect_format("[Adblock Plus 2.0]\n") == Format::adblock);
  CHECK(bl::detect_format("# c\nserver=/a.com/\n") == Format::dnsmasq);
  CHECK(bl::detect_format("; c\n$TTL 300\n") == Format::rpz);
  CHECK(bl::detect_format("@ IN SOA a. b. 1 2 3 4 5\n") == Format::rpz);
  CHECK(bl::detect_format("x.com CNAME .\n") == Format::rpz);
  CHECK(bl::detect_format("server:\nlocal-zone: \"a\" deny\n") == Format::unbound);
  CHECK(bl::detect_format("# c\na.com\nb.com\n") == Format::domains);
  CHECK(bl::detect_format("") == Format::domains);
  const auto p = parse("# x\n0.0.0.0 a.com\n", Format::auto_detect);
  CHECK(p.stats.format == Format::hosts);
  CHECK(p.stats.entries == 1);
}

TEST_CASE("gzip files are read transparently, plain files too", "[formats]") {
  const std::string text = "# gz list\r\nfoo.com\nbar.com\n";
  const std::string gz = temp_path(".gz");
  {
    gzFile f = gzopen(gz.c_str(), "wb9");
    REQUIRE(f != nullptr);
    gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
    gzclose(f);
  }
  const std::string plain = temp_path(".txt");  // gzip magic decides, not the name
  {
    FILE* f = std::fopen(plain.c_str(), "wb");
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  for (const auto& path : {gz, plain}) {
    auto reader = bl::LineReader::open_file(path);
    REQUIRE_FALSE(reader.failed());
    std::vector<std::string> names;
    const auto st = bl::parse_list(reader, Format::auto_detect, path,
                                   [&](std::string_view n, const bl::Rule&, std::size_t) { names.emplace_back(n); });
    CHECK(st.entries == 2);
    CHECK(st.read_error.empty());
    CHECK(names == std::vector<std::string>{"foo.com", "bar.com"});
    CHECK(bl::find_line(path, Format::auto_detect, "BAR.com") == std::optional<std::size_t>(3));
    CHECK_FALSE(bl::find_line(path, Format::auto_detect, "baz.com"));
  }
  std::remove(gz.c_str());
  std::remove(plain.c_str());
}

TEST_CASE("a truncated gzip file is a read error, a missing file fails to open", "[formats]") {
  std::string body;
  for (int i = 0; i < 50000; ++i) body += "name" + std::to_string(i) + ".example.com\n";
  const std::string gz = temp_path(".gz");
  gzFile f = gzopen(gz.c_str(), "wb1");
  gzwrite(f, body.data(), static_cast<unsigned>(body.size()));
  gzclose(f);
  REQUIRE(truncate(gz.c_str(), 2000) == 0);
  auto reader = bl::LineReader::open_file(gz);
  const auto st = bl::parse_list(reader, Format::domains, gz, [](auto, auto&, auto) {});
  CHECK_FALSE(st.read_error.empty());
  std::remove(gz.c_str());
  CHECK(bl::LineReader::open_file("/nonexistent/list.txt").failed());
}

TEST_CASE("very long lines and a file without final newline", "[formats]") {
  std::string text(300000, 'a');
  text += "\nlast.com";
  const auto p = parse(text, Format::domains);
  CHECK(p.stats.invalid == 1);
  CHECK(p.find("last.com"));
}
