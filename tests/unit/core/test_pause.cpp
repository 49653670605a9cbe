// Timed pauses: what they lift, the TTL cap at their end, expiry at an injected time, and the
// state file that carries them over a restart.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sprout/core/snapshot.hpp"
#include "sprout/core/stages/answer_stages.hpp"

using namespace sprout;
using namespace std::chrono_literals;

namespace {

const auto kT0 = std::chrono::sys_seconds(std::chrono::seconds(1'796'112'000));  // 2026-12-01T08:00:00Z

std::shared_ptr<core::Snapshot> home() {
  auto cfg = std::make_shared<config::Config>();
  cfg->categories.push_back({"tiktok", "TikTok"});
  cfg->profiles.push_back({.name = "default"});
  cfg->profiles.push_back({.name = "kids", .deny = {"games.example", "video.example"}, .services = {"tiktok"}});
  cfg->networks.push_back({.name = "home", .cidrs = {*config::IpPrefix::parse("127.0.0.0/8")}, .profile = "kids"});
  cfg->devices.push_back({.name = "tablet-an", .macs = {{2, 0, 0, 0, 0, 10}}, .profile = "kids"});
  auto snap = std::make_shared<core::Snapshot>(cfg, nullptr);
  snap->pauses = std::make_shared<core::PauseBook>("");
  return snap;
}

// The decision for `name` asked by tablet-an (or by the network when `device` is false) at `now`.
core::Decision decided(const core::Snapshot& snap, std::string_view name, std::chrono::system_clock::time_point now,
                       bool device = true) {
  core::QueryContext q;
  q.snapshot = &snap;
  q.network = &snap.networks.networks()[0];
  q.device = device ? &snap.devices.devices()[0] : nullptr;
  core::Decision d = core::decide(snap, q.profile(), name, 1, now);
  core::apply_pauses(q, name, now, d);
  return d;
}

std::string error;

}  // namespace

TEST_CASE("a device's filtering pause lifts its blocks until the minute is over, exactly", "[pause]") {
  const auto snap = home();
  REQUIRE(snap->pauses->add({core::PauseScope::device, "tablet-an", core::PauseWhat::filtering, "", kT0 + 60s}, kT0, error));
  const auto during = decided(*snap, "games.example", kT0 + 15s);
  CHECK(during.kind == core::DecisionKind::resolve);
  CHECK(during.reason == core::Reason::paused);
  CHECK(during.ttl_cap == 45);  // nothing answered during the pause outlives it
  CHECK(decided(*snap, "games.example", kT0 + 59s).ttl_cap == 1);
  CHECK(decided(*snap, "games.example", kT0 + 60s).kind == core::DecisionKind::block);  // on time
  CHECK(decided(*snap, "games.example", kT0 + 60s).ttl_cap > 60);
  // The network's other clients were never paused.
  CHECK(decided(*snap, "games.example", kT0 + 15s, false).kind == core::DecisionKind::block);
  CHECK(decided(*snap, "use-application-dns.net", kT0 + 15s).kind == core::DecisionKind::block);  // canaries stay
  CHECK(snap->pauses->active(kT0 + 60s).empty());
}

TEST_CASE("a pause can allow one domain or one service only", "[pause]") {
  const auto snap = home();
  REQUIRE(snap->pauses->add({core::PauseScope::profile, "kids", core::PauseWhat::domain, "games.example", kT0 + 600s}, kT0, error));
  CHECK(decided(*snap, "www.games.example", kT0 + 1s).kind == core::DecisionKind::resolve);
  CHECK(decided(*snap, "video.example", kT0 + 1s).kind == core::DecisionKind::block);
  CHECK(decided(*snap, "video.example", kT0 + 1s).ttl_cap == 599);  // same profile: capped all the same
  REQUIRE(snap->pauses->add({core::PauseScope::network, "home", core::PauseWhat::service, "tiktok", kT0 + 60s}, kT0, error));
  REQUIRE(snap->pauses->active(kT0).size() == 2);
  // Replacing a pause with the same scope and item keeps one entry.
  REQUIRE(snap->pauses->add({core::PauseScope::network, "home", core::PauseWhat::service, "tiktok", kT0 + 90s}, kT0, error));
  CHECK(snap->pauses->active(kT0).size() == 2);
  CHECK(snap->pauses->remove(core::PauseScope::profile, "kids", kT0, error) == 1);
  CHECK(decided(*snap, "www.games.example", kT0 + 1s).kind == core::DecisionKind::block);
}

TEST_CASE("pauses survive a restart through the state file; ended ones are dropped", "[pause]") {
  const auto path = std::filesystem::temp_directory_path() / ("sprout-pauses-" + std::to_string(::getpid()) + ".json");
  {
    core::PauseBook book(path.string());
    REQUIRE(book.add({core::PauseScope::device, "tablet-an", core::PauseWhat::filtering, "", kT0 + 60s}, kT0, error));
    REQUIRE(book.add({core::PauseScope::network, "home", core::PauseWhat::domain, "games.example", kT0 + 10s}, kT0, error));
  }
  core::PauseBook after(path.string());
  REQUIRE(after.load(kT0 + 30s, error));
  const auto active = after.active(kT0 + 30s);
  REQUIRE(active.size() == 1);
  CHECK(active[0] == core::Pause{core::PauseScope::device, "tablet-an", core::PauseWhat::filtering, "", kT0 + 60s});
  std::filesystem::remove(path);
  core::PauseBook broken(path.string());
  { std::ofstream(path) << "not json"; }
  CHECK_FALSE(broken.load(kT0, error));
  CHECK(broken.empty());
  std::filesystem::remove(path);
}
