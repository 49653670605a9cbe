// Tests of domain name normalization.
#include "sprout/blocklists/normalize.hpp"

#include <catch2/catch.hpp>

#include <string>

using sprout::blocklists::NameStatus;
using sprout::blocklists::normalize_domain;
using sprout::blocklists::normalize_domain_into;

TEST_CASE("normalize: lowercase and one trailing dot", "[normalize]") {
  CHECK(normalize_domain("WWW.Example.COM.") == "www.example.com");
  CHECK(normalize_domain("example.com") == "example.com");
  CHECK_FALSE(normalize_domain("example.com.."));
  CHECK_FALSE(normalize_domain("."));
  CHECK_FALSE(normalize_domain(""));
}

TEST_CASE("normalize: label rules", "[normalize]") {
  CHECK(normalize_domain("_dmarc.example.com") == "_dmarc.example.com");
  CHECK(normalize_domain("a-b.c_d.com") == "a-b.c_d.com");
  CHECK(normalize_domain("com") == "com");  // a TLD entry is valid
  CHECK_FALSE(normalize_domain("a..b.com"));
  CHECK_FALSE(normalize_domain(".a.com"));
  CHECK_FALSE(normalize_domain("exa mple.com"));
  CHECK_FALSE(normalize_domain("exa\tmple.com"));
  CHECK_FALSE(normalize_domain("bad!name.com"));
  CHECK_FALSE(normalize_domain("a/b.com"));
  const std::string label63(63, 'a');
  const std::string label64(64, 'a');
  CHECK(normalize_domain(label63 + ".com"));
  CHECK_FALSE(normalize_domain(label64 + ".com"));
  std::string name;  // 4 x 63 + 3 dots = 255 > 253
  for (int i = 0; i < 4; ++i) name += (i ? "." : "") + label63;
  CHECK_FALSE(normalize_domain(name));
  CHECK(normalize_domain(name.substr(0, 253)));
}

TEST_CASE("normalize: IDN to punycode", "[normalize]") {
  CHECK(normalize_domain("bücher.de") == "xn--bcher-kva.de");
  CHECK(normalize_domain("BÜCHER.de") == "xn--bcher-kva.de");
  CHECK(normalize_domain("xn--bcher-kva.de") == "xn--bcher-kva.de");
  CHECK(normalize_domain("thể-thao.vn") == "xn--th-thao-2u4c.vn");
  CHECK(normalize_domain("THỂ-THAO.vn") == "xn--th-thao-2u4c.vn");
  CHECK(normalize_domain("faß.de") == "xn--fa-hia.de");  // non-transitional keeps ß
  CHECK_FALSE(normalize_domain("\xff\xfe.com"));        // not UTF-8
}

TEST_CASE("normalize: IP addresses are reported apart", "[normalize]") {
  std::string out;
  CHECK(normalize_domain_into("1.2.3.4", out) == NameStatus::ip_address);
  CHECK(normalize_domain_into("255.255.255.255", out) == NameStatus::ip_address);
  CHECK(normalize_domain_into("::1", out) == NameStatus::ip_address);
  CHECK(normalize_domain_into("2001:db8::1", out) == NameStatus::ip_address);
  CHECK(normalize_domain_into("1.2.3.256", out) == NameStatus::ok);  // not an address: a (numeric) name
  CHECK(normalize_domain_into("1.2.3.4.example.com", out) == NameStatus::ok);
}
