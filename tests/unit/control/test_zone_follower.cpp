// The zone follower's NOTIFY decision: only the zone's primaries (or allow_notify), only with
// the zone's key when one is configured, only for zones it follows.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "sprout/config/loader.hpp"
#include "sprout/control/zone_follower.hpp"

using namespace sprout;

namespace {

std::shared_ptr<const config::Config> load(const std::string& lists) {
  auto r = config::load_string("state_dir: /tmp/sprout-follower-test\ncategories: {p: {}}\nlists:\n" + lists, "t.yaml");
  for (const auto& e : r.errors) UNSCOPED_INFO(e.to_string());
  REQUIRE(r.errors.empty());
  return std::make_shared<const config::Config>(*r.config);
}

config::IpAddress ip(const char* text) { return *config::IpAddress::parse(text); }

// use() applies on the follower's thread: wait until the zone is known.
void wait_followed(control::ZoneFollower& f, const std::string& zone) {
  for (int i = 0; i < 200 && f.notify(zone, ip("203.0.113.250"), "") == control::NotifyVerdict::unknown_zone; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

}  // namespace

TEST_CASE("NOTIFY is accepted from a primary, refused from another address, unknown zones apart", "[follower]") {
  boost::asio::io_context io;
  core::SnapshotHolder holder;
  control::ListRefresher refresher(io, holder);
  control::ZoneFollower follower(io, refresher);
  // Port 9 on TEST-NET: the transfers themselves fail; only NOTIFY is looked at here.
  follower.use(load("  a: {category: p, source: 'axfr://192.0.2.1:9/rpz.a.test', transfer: {max_time: 1s}}\n"
                    "  b: {category: p, source: 'axfr://192.0.2.1:9/rpz.b.test', transfer: {max_time: 1s, allow_notify: [198.51.100.0/24]}}\n"));
  wait_followed(follower, "rpz.a.test");
  using V = control::NotifyVerdict;
  CHECK(follower.notify("rpz.a.test", ip("192.0.2.1"), "") == V::accepted);
  CHECK(follower.notify("rpz.a.test", ip("192.0.2.2"), "") == V::refused);       // another address
  CHECK(follower.notify("rpz.b.test", ip("198.51.100.7"), "") == V::accepted);   // allow_notify
  CHECK(follower.notify("rpz.b.test", ip("192.0.2.1"), "") == V::refused);       // allow_notify replaces the primaries
  CHECK(follower.notify("rpz.c.test", ip("192.0.2.1"), "") == V::unknown_zone);
  CHECK_FALSE(follower.notify_key("rpz.a.test"));
}
