// devices, trusted_forwarders, dhcp_leases and services: what a valid config loads into.
#include <catch2/catch.hpp>

#include <algorithm>

#include "must_load.hpp"
#include "sprout/config/services.hpp"

using namespace sprout::config;

namespace {

const Category* category(const Config& c, std::string_view name) {
  const auto it = std::find_if(c.categories.begin(), c.categories.end(), [&](const Category& x) { return x.name == name; });
  return it == c.categories.end() ? nullptr : &*it;
}

const List* list(const Config& c, std::string_view name) {
  const auto it = std::find_if(c.lists.begin(), c.lists.end(), [&](const List& x) { return x.name == name; });
  return it == c.lists.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("MAC addresses: colons or dashes, any case, nothing else", "[devices]") {
  CHECK(parse_mac("02:00:00:00:00:0a") == MacAddress{2, 0, 0, 0, 0, 10});
  CHECK(parse_mac("02-00-00-00-00-0A") == MacAddress{2, 0, 0, 0, 0, 10});
  CHECK(mac_to_string(MacAddress{0xab, 0, 0, 0, 0, 10}) == "ab:00:00:00:00:0a");
  for (const char* bad : {"", "02:00:00:00:00", "02:00:00:00:00:0a:", "2:0:0:0:0:a", "02:00-00:00:00:0a", "02:00:00:00:00:0g",
                          "0200.0000.000a"}) {
    INFO(bad);
    CHECK_FALSE(parse_mac(bad));
  }
}

TEST_CASE("devices load with their MACs, CPE id, profile and labels", "[devices]") {
  const Config c = must_load(R"(
profiles: {kids: {}}
trusted_forwarders: [192.168.1.1/32]
dhcp_leases: leases/dhcp.leases
devices:
  tablet-an: {macs: ["02:00:00:00:00:0A", "02-00-00-00-00-0b"], profile: kids, labels: {room: an}}
  grandma: {cpe_id: router-7, profile: kids}
)");
  REQUIRE(c.devices.size() == 2);
  CHECK(c.devices[0].name == "tablet-an");
  CHECK(c.devices[0].macs == std::vector<MacAddress>{{2, 0, 0, 0, 0, 10}, {2, 0, 0, 0, 0, 11}});
  CHECK(c.devices[0].labels.at("room") == "an");
  CHECK(c.devices[1].cpe_id == "router-7");
  CHECK(c.trusted_forwarders.size() == 1);
  CHECK(c.dhcp_leases.ends_with("/leases/dhcp.leases"));
  CHECK(c.dhcp_leases.front() == '/');
}

TEST_CASE("a used service becomes a category of its own name fed by the catalogue's list", "[services]") {
  const Config c = must_load(R"(
categories: {adult: {}}
profiles:
  kids:
    block: [adult]
    services: [tiktok, roblox, minecraft]
    schedules:
      weekend-games: {windows: [{days: weekend, from: "14:00", to: "18:00"}], allow_services: [roblox, minecraft]}
      school: {windows: [{days: weekdays, from: "07:00", to: "11:30"}], services: [youtube]}
)");
  const auto& kids = c.profiles[0];
  CHECK(kids.services == std::vector<std::string>{"tiktok", "roblox", "minecraft"});
  CHECK(kids.schedules[0].allow_services == std::vector<std::string>{"roblox", "minecraft"});
  CHECK(kids.schedules[1].services == std::vector<std::string>{"youtube"});
  for (const char* s : {"tiktok", "roblox", "minecraft", "youtube"}) {
    INFO(s);
    REQUIRE(category(c, s) != nullptr);
    CHECK(category(c, s)->description == builtin_service(s)->title());
    const List* l = list(c, std::string("service-") + s);
    REQUIRE(l != nullptr);
    CHECK(l->category == s);
    CHECK(l->source == std::string("builtin:service-") + s);
  }
  CHECK(category(c, "netflix") == nullptr);  // unused services cost nothing
  CHECK(c.categories.front().name == "adult");  // the user's categories keep their places
}

TEST_CASE("the catalogue can be overridden from a URL and extended with new services", "[services]") {
  const Config c = must_load(R"(
services:
  tiktok: {source: "https://lists.example/tiktok.txt", refresh: 6h}
  school-games: {source: games.txt}
profiles:
  kids: {services: [tiktok, school-games]}
)");
  REQUIRE(list(c, "service-tiktok") != nullptr);
  CHECK(list(c, "service-tiktok")->source == "https://lists.example/tiktok.txt");
  CHECK(list(c, "service-tiktok")->refresh == std::chrono::hours(6));
  REQUIRE(list(c, "service-school-games") != nullptr);
  CHECK(list(c, "service-school-games")->source.ends_with("/games.txt"));
  CHECK(category(c, "school-games") != nullptr);
}

TEST_CASE("service mistakes are config errors", "[services]") {
  const auto errors = [](std::string_view yaml) {
    std::vector<std::string> out;
    for (const auto& e : load_string(yaml, "s.yaml").errors) out.push_back(e.to_string());
    return out;
  };
  const auto e1 = errors("profiles: {kids: {services: [tiktk]}}\n");
  REQUIRE(e1.size() == 1);
  CHECK(e1[0].find("unknown service 'tiktk'") != std::string::npos);
  CHECK(e1[0].find("tiktok") != std::string::npos);
  const auto e2 = errors("services: {myapp: {}}\nprofiles: {kids: {services: [myapp]}}\n");
  REQUIRE(e2.size() == 1);
  CHECK(e2[0].find("needs a 'source'") != std::string::npos);
  const auto e3 = errors("categories: {tiktok: {}}\nprofiles: {kids: {services: [tiktok]}}\n");
  REQUIRE(e3.size() == 1);
  CHECK(e3[0].find("has the name of a service") != std::string::npos);
  const auto e4 = errors(R"(profiles: {kids: {schedules: {bed: {windows: [{days: daily, from: "21:00", to: "06:00"}], mode: block_all, services: [tiktok], allow_services: [zalo]}}}}
)");
  REQUIRE(e4.size() == 2);
  CHECK(e4[0].find("'services' needs mode add_categories") != std::string::npos);
  CHECK(e4[1].find("'allow_services' needs mode add_categories or allowlist_only") != std::string::npos);
}

TEST_CASE("services count against the 64 categories", "[services]") {
  std::string yaml = "categories:\n";
  for (int i = 0; i < 50; ++i) yaml += "  c" + std::to_string(i) + ": {}\n";
  std::string all;
  for (const auto& s : builtin_services()) all += (all.empty() ? "" : ", ") + std::string(s.name);
  const auto r = load_string(yaml + "profiles: {kids: {services: [" + all + "]}}\n", "many.yaml");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message == "70 categories, counting one per service used (at most 64)");
  CHECK(load_string(yaml + "profiles: {kids: {services: [tiktok, zalo]}}\n", "some.yaml").errors.empty());
}
