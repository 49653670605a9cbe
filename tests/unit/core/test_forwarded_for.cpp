// X-Forwarded-For behind trusted reverse proxies: who the client is, and when the header is ignored.
#include <catch2/catch.hpp>

#include <vector>

#include "sprout/core/forwarded_for.hpp"

using namespace sprout;
using core::ForwardedStatus;

namespace {

config::IpAddress ip(const char* text) { return *config::IpAddress::parse(text); }

const std::vector<config::IpPrefix> kProxies{*config::IpPrefix::parse("10.0.0.0/24"), *config::IpPrefix::parse("fd00::/64")};

core::ForwardedClient from(const char* peer, const char* header) { return core::forwarded_client(ip(peer), header, kProxies); }

}  // namespace

TEST_CASE("X-Forwarded-For from a trusted proxy: the right-most address that is not a proxy", "[forwarded]") {
  CHECK(from("10.0.0.5", "192.0.2.7").client == ip("192.0.2.7"));
  CHECK(from("10.0.0.5", "192.0.2.7").status == ForwardedStatus::forwarded);
  // A client can write its own header: what it wrote stands left of what our proxies appended.
  CHECK(from("10.0.0.5", "203.0.113.66, 192.0.2.7").client == ip("192.0.2.7"));
  CHECK(from("10.0.0.5", "203.0.113.66,192.0.2.7, 10.0.0.9").client == ip("192.0.2.7"));
  CHECK(from("fd00::1", "2001:db8::7, fd00::2").client == ip("2001:db8::7"));
  CHECK(from("10.0.0.5", "[2001:db8::7]:5555").client == ip("2001:db8::7"));
  CHECK(from("10.0.0.5", "192.0.2.7:5555").client == ip("192.0.2.7"));
  CHECK(from("10.0.0.5", "192.0.2.7, , ").client == ip("192.0.2.7"));
  // Only proxies in the chain: the farthest of them.
  CHECK(from("10.0.0.5", "10.0.0.8, 10.0.0.9").client == ip("10.0.0.8"));
}

TEST_CASE("X-Forwarded-For is ignored from anyone else, and when unreadable", "[forwarded]") {
  const auto spoofed = from("192.0.2.50", "10.0.0.1");
  CHECK(spoofed.status == ForwardedStatus::untrusted);
  CHECK(spoofed.client == ip("192.0.2.50"));
  for (const char* bad : {"unknown", "192.0.2.7, junk", "[2001:db8::7", "999.1.1.1", "_hidden"}) {
    INFO(bad);
    const auto r = from("10.0.0.5", bad);
    CHECK(r.status == ForwardedStatus::malformed);
    CHECK(r.client == ip("10.0.0.5"));
  }
  // A bad entry left of the client is never read.
  CHECK(from("10.0.0.5", "junk, 192.0.2.7").client == ip("192.0.2.7"));
  CHECK(from("10.0.0.5", "").status == ForwardedStatus::peer);
  CHECK(from("10.0.0.5", "  ").client == ip("10.0.0.5"));
  CHECK(from("192.0.2.50", "").status == ForwardedStatus::peer);
}
