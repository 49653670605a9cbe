// Tests for IpAddress, IpPrefix and Endpoint parsing, printing and matching.
#include <catch2/catch.hpp>

#include "sprout/config/config.hpp"

using sprout::config::IpAddress;
using sprout::config::IpPrefix;

namespace {

IpAddress ip(const char* text) {
  auto a = IpAddress::parse(text);
  REQUIRE(a);
  return *a;
}

bool in(const char* prefix, const char* address) {
  auto p = IpPrefix::parse(prefix);
  REQUIRE(p);
  return p->contains(ip(address));
}

}  // namespace

TEST_CASE("IpAddress parses and prints both families") {
  CHECK(ip("10.0.0.1").v4);
  CHECK(ip("10.0.0.1").to_string() == "10.0.0.1");
  CHECK(ip("10.0.0.1").bytes[10] == 0xff);
  CHECK_FALSE(ip("::1").v4);
  CHECK(ip("2001:DB8::10").to_string() == "2001:db8::10");
  CHECK_FALSE(IpAddress::parse(""));
  CHECK_FALSE(IpAddress::parse("[::1]"));
  CHECK_FALSE(IpAddress::parse("10.0.0.256"));
  CHECK_FALSE(IpAddress::parse("fe80::1%eth0"));
  CHECK_FALSE(IpAddress::parse("example.com"));
}

TEST_CASE("IpPrefix parses, prints and rejects host bits") {
  CHECK(IpPrefix::parse("10.0.0.0/8")->bits == 104);
  CHECK(IpPrefix::parse("10.0.0.0/8")->to_string() == "10.0.0.0/8");
  CHECK(IpPrefix::parse("1.2.3.4")->to_string() == "1.2.3.4/32");
  CHECK(IpPrefix::parse("::1")->to_string() == "::1/128");
  CHECK(IpPrefix::parse("fc00::/7")->to_string() == "fc00::/7");
  CHECK_FALSE(IpPrefix::parse("10.0.0.1/8"));
  CHECK_FALSE(IpPrefix::parse("10.0.0.0/33"));
  CHECK_FALSE(IpPrefix::parse("::/129"));
  CHECK_FALSE(IpPrefix::parse("10.0.0.0/"));
  CHECK_FALSE(IpPrefix::parse("10.0.0.0/8x"));
  CHECK_FALSE(IpPrefix::parse("/8"));
}

TEST_CASE("IpPrefix contains: v4, v6 and edge lengths") {
  CHECK(in("10.0.0.0/8", "10.255.1.2"));
  CHECK_FALSE(in("10.0.0.0/8", "11.0.0.1"));
  CHECK(in("172.16.0.0/12", "172.31.255.255"));
  CHECK_FALSE(in("172.16.0.0/12", "172.32.0.0"));
  CHECK(in("0.0.0.0/0", "203.0.113.9"));
  CHECK_FALSE(in("0.0.0.0/0", "2001:db8::1"));  // a v4 /0 is still v4 only
  CHECK(in("::/0", "2001:db8::1"));
  CHECK(in("192.0.2.7/32", "192.0.2.7"));
  CHECK_FALSE(in("192.0.2.7/32", "192.0.2.6"));
  CHECK(in("::1/128", "::1"));
  CHECK_FALSE(in("::1/128", "::2"));
  CHECK(in("fc00::/7", "fd12:3456::1"));
  CHECK(in("fc00::/7", "fc00::1"));
  CHECK_FALSE(in("fc00::/7", "fe00::1"));
  CHECK(in("fe80::/10", "febf::1"));
  CHECK_FALSE(in("fe80::/10", "fec0::1"));
  CHECK_FALSE(in("::1/128", "127.0.0.1"));
  CHECK_FALSE(in("127.0.0.0/8", "::1"));
}

TEST_CASE("Endpoint prints with brackets for IPv6") {
  sprout::config::Endpoint e{ip("::1"), 5354};
  CHECK(e.to_string() == "[::1]:5354");
  e = {ip("127.0.0.1"), 0};
  CHECK(e.to_string() == "127.0.0.1:0");
}
