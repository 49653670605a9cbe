// Lists followed by zone transfer: `source: axfr://...`, the `transfer:` block and its TSIG key.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "must_load.hpp"

using namespace sprout::config;
namespace fs = std::filesystem;

namespace {

// A key file in a fresh directory with the given mode; removed with the object.
struct KeyFile {
  fs::path dir;
  fs::path path;
  KeyFile(const std::string& text, mode_t mode) {
    char tmpl[] = "/tmp/sprout-tsig-XXXXXX";
    dir = ::mkdtemp(tmpl);
    path = dir / "key";
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
  }
  ~KeyFile() { fs::remove_all(dir); }
};

std::string errors_of(const std::string& yaml) {
  auto r = load_string(yaml, "t.yaml");
  std::string all;
  for (const auto& e : r.errors) all += e.to_string() + "\n";
  return all;
}

const std::string kHead = "categories: {adult: {}}\nlists:\n  province:\n    category: adult\n";

}  // namespace

TEST_CASE("axfr:// source: primary, port, zone; format becomes rpz", "[transfer]") {
  const Config c = must_load(kHead + "    source: axfr://192.0.2.1/RPZ.Province.Example.\n");
  REQUIRE(c.lists.size() == 1);
  REQUIRE(c.lists[0].transfer);
  const Transfer& t = *c.lists[0].transfer;
  CHECK(t.zone == "rpz.province.example");
  REQUIRE(t.primaries.size() == 1);
  CHECK(t.primaries[0].to_string() == "192.0.2.1:53");
  CHECK(c.lists[0].format == ListFormat::rpz);
  CHECK_FALSE(t.tsig);
  CHECK_FALSE(t.refresh);  // the SOA's refresh
  CHECK(t.max_time == std::chrono::seconds(60));

  const Config v6 = must_load(kHead + "    source: axfr://[::1]:5300/rpz.example\n");
  CHECK(v6.lists[0].transfer->primaries[0].to_string() == "[::1]:5300");
}

TEST_CASE("transfer block: primaries, TSIG from a private file, timers, caps, notify", "[transfer]") {
  KeyFile key("key \"k\" {\n  algorithm hmac-sha512;\n  secret \"c2VjcmV0c2VjcmV0c2VjcmV0\";\n};\n", 0600);
  const Config c = must_load(kHead + "    source: axfr://192.0.2.1:5300/rpz.example\n    max_size: 8MiB\n"
                             "    transfer:\n      primaries: ['192.0.2.2', '[2001:db8::1]:53', '192.0.2.1:5300']\n"
                             "      tsig: {name: Province-Key., algorithm: hmac-sha512, secret_file: " + key.path.string() + "}\n"
                             "      refresh: 5m\n      retry: 30s\n      expire: 7d\n      max_time: 20s\n"
                             "      allow_notify: [192.0.2.0/24]\n");
  const Transfer& t = *c.lists[0].transfer;
  REQUIRE(t.primaries.size() == 3);  // the source's first, the duplicate once
  CHECK(t.primaries[1].to_string() == "192.0.2.2:53");
  CHECK(t.primaries[2].to_string() == "[2001:db8::1]:53");
  REQUIRE(t.tsig);
  CHECK(t.tsig->name == "province-key");
  CHECK(t.tsig->algorithm == TsigAlgorithm::hmac_sha512);
  CHECK(t.tsig->secret == "c2VjcmV0c2VjcmV0c2VjcmV0");
  CHECK(t.refresh == std::chrono::seconds(300));
  CHECK(t.retry == std::chrono::seconds(30));
  CHECK(t.expire == std::chrono::seconds(7 * 86400));
  CHECK(t.max_time == std::chrono::seconds(20));
  REQUIRE(t.allow_notify.size() == 1);
  CHECK(c.lists[0].max_bytes == 8u << 20);

  KeyFile bare("c2VjcmV0c2VjcmV0c2VjcmV0\n", 0640);
  const Config d = must_load(kHead + "    source: axfr://192.0.2.1/rpz.example\n"
                             "    transfer: {tsig: {name: k, secret_file: " + bare.path.string() + "}}\n");
  CHECK(d.lists[0].transfer->tsig->algorithm == TsigAlgorithm::hmac_sha256);
  CHECK(d.lists[0].transfer->tsig->secret == "c2VjcmV0c2VjcmV0c2VjcmV0");
}

TEST_CASE("a world-readable TSIG secret is refused", "[transfer]") {
  KeyFile key("c2VjcmV0c2VjcmV0c2VjcmV0\n", 0644);
  const std::string e = errors_of(kHead + "    source: axfr://192.0.2.1/rpz.example\n"
                                  "    transfer: {tsig: {name: k, secret_file: " + key.path.string() + "}}\n");
  CHECK_THAT(e, Catch::Contains("t.yaml:6:") && Catch::Contains("lists.province.transfer.tsig.secret_file") &&
                    Catch::Contains("is readable by other users (mode 644): chmod o-rwx"));
}

TEST_CASE("bad transfer configs: every error located, saying what is valid", "[transfer]") {
  KeyFile junk("not base64 at all!\n", 0600);
  const std::string e = errors_of(
      "categories: {adult: {}}\nlists:\n"
      "  a: {category: adult, source: 'axfr://primary.example/rpz.example'}\n"
      "  b: {category: adult, source: 'axfr://192.0.2.1'}\n"
      "  c: {category: adult, source: 'axfr://192.0.2.1/bad..zone'}\n"
      "  d: {category: adult, source: 'axfr://::1/rpz.example'}\n"
      "  e: {category: adult, source: /tmp/x.rpz, transfer: {}}\n"
      "  f:\n    category: adult\n    source: axfr://192.0.2.1/rpz.example\n    transfer:\n"
      "      primaries: [nope]\n      tsig: {name: k, algorithm: hmac-md5, secret_file: /nonexistent/key}\n"
      "      max_time: 2h\n      refresh: soon\n      allow_notify: [300.1.1.1]\n      primary: 192.0.2.3\n"
      "  g: {category: adult, source: 'axfr://192.0.2.1/rpz-g.example', transfer: {tsig: {name: k, secret_file: " +
      junk.path.string() + "}}}\n"
      "  h: {category: adult, source: 'ftp://192.0.2.1/rpz.example'}\n");
  for (const char* want : {
           "t.yaml:3:", "lists.a.source: 'axfr://primary.example/rpz.example': 'primary.example' is not a primary address[:port]",
           "lists.b.source: 'axfr://192.0.2.1': expected the zone after the primary",
           "lists.c.source: 'axfr://192.0.2.1/bad..zone': expected the zone",
           "lists.d.source: 'axfr://::1/rpz.example': '::1' is not a primary",
           "lists.e.transfer: transfer applies only to axfr:// sources",
           "lists.f.transfer.primaries[0]: 'nope' is not a primary address[:port]",
           "lists.f.transfer.tsig.algorithm: 'hmac-md5' is not valid (valid: hmac-sha256, hmac-sha512)",
           "lists.f.transfer.tsig.secret_file: cannot read the TSIG secret file '/nonexistent/key'",
           "lists.f.transfer.max_time:", "lists.f.transfer.refresh:", "lists.f.transfer.allow_notify[0]:",
           "lists.f.transfer: unknown key 'primary'",
           "lists.g.transfer.tsig.secret_file: the TSIG secret file", "holds no base64 secret",
           "lists.h.source: 'ftp://192.0.2.1/rpz.example' has an unsupported URL scheme (valid: http, https, axfr,"}) {
    INFO(want);
    CHECK_THAT(e, Catch::Contains(want));
  }
}

TEST_CASE("on_expire: keep (default) or drop; anything else is an error naming both", "[transfer]") {
  CHECK(must_load(kHead + "    source: axfr://192.0.2.1/rpz.example\n").lists[0].transfer->on_expire == OnExpire::keep);
  CHECK(must_load(kHead + "    source: axfr://192.0.2.1/rpz.example\n    transfer: {on_expire: drop}\n").lists[0].transfer->on_expire ==
        OnExpire::drop);
  CHECK_THAT(errors_of(kHead + "    source: axfr://192.0.2.1/rpz.example\n    transfer: {on_expire: delete}\n"),
             Catch::Contains("t.yaml:6:") && Catch::Contains("lists.province.transfer.on_expire: 'delete' is not valid (valid: keep, drop)"));
}

TEST_CASE("a zone feeds one list: the same zone twice is refused where it repeats", "[transfer]") {
  const std::string e = errors_of(
      "categories: {adult: {}}\nlists:\n"
      "  a: {category: adult, source: 'axfr://192.0.2.1/rpz.example'}\n"
      "  b: {category: adult, source: 'axfr://192.0.2.1/RPZ.example.'}\n"
      "  c: {category: adult, source: 'axfr://[2001:db8::1]:5300/rpz.example'}\n"
      "  d: {category: adult, source: 'axfr://192.0.2.1/other.example'}\n");
  CHECK_THAT(e, Catch::Contains("t.yaml:4:") &&
                    Catch::Contains("lists.b.source: 'axfr://192.0.2.1/RPZ.example.': zone 'rpz.example' is already followed by "
                                    "list a (line 3); a zone may feed one list"));
  CHECK_THAT(e, Catch::Contains("t.yaml:5:") && Catch::Contains("lists.c.source:"));
  CHECK_THAT(e, !Catch::Contains("lists.d"));
  // The same list name twice is a duplicate key (YAML map), refused with its line.
  const std::string twice = errors_of("categories: {adult: {}}\nlists:\n"
                                      "  a: {category: adult, source: 'axfr://192.0.2.1/rpz.example'}\n"
                                      "  a: {category: adult, source: 'axfr://192.0.2.1/other.example'}\n");
  CHECK_THAT(twice, Catch::Contains("t.yaml:4:") && Catch::Contains("duplicate name 'a' (first defined on line 3)"));
}
