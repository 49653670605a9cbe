// The blocked-services catalogue: every service loads as a list of its own category, and its
// domains are the real ones (checked against The Block List Project's service lists and the
// Alexa 2016 / OpenDNS 2014 popular-domain lists in the shared test data).
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "sprout/blocklists/line_reader.hpp"
#include "sprout/blocklists/list_format.hpp"
#include "sprout/blocklists/list_loader.hpp"
#include "sprout/config/loader.hpp"
#include "sprout/config/services.hpp"

namespace bl = sprout::blocklists;
namespace cfg = sprout::config;

namespace {

const std::string kData = SPROUT_SHARED_DATA;

std::vector<std::string> read_names(const std::string& relative) {
  const std::string path = kData + "/" + relative;
  auto reader = bl::LineReader::open_file(path);
  INFO("shared test data: " << path);
  REQUIRE_FALSE(reader.failed());
  std::vector<std::string> out;
  const auto format = relative.find(".hosts") != std::string::npos ? bl::Format::hosts : bl::Format::domains;
  (void)bl::parse_list(reader, format, path, [&](std::string_view d, const bl::Rule&, std::size_t) { out.emplace_back(d); });
  REQUIRE_FALSE(out.empty());
  return out;
}

// Every service of the catalogue blocked by one profile, all loaded into one index.
struct Catalogue {
  cfg::Config config;
  bl::LoadedLists loaded;
  Catalogue() {
    std::string names;
    for (const auto& s : cfg::builtin_services()) names += (names.empty() ? "" : ", ") + std::string(s.name);
    auto r = cfg::load_string("profiles: {kids: {services: [" + names + "]}}\nstate_dir: /nonexistent\n", "catalogue.yaml");
    REQUIRE(r.errors.empty());
    config = std::move(*r.config);
    loaded = bl::load_lists(config, {.fetch = false});
  }
  // The service whose list matches `name` (its own or a parent domain), or "".
  [[nodiscard]] std::string service_of(std::string_view name) const {
    const bl::Match m = loaded.index.lookup(name, ~bl::CategorySet{0});
    if (m.verdict != bl::Verdict::block) return "";
    return config.categories[static_cast<std::size_t>(__builtin_ctzll(m.categories))].name;
  }
};

}  // namespace

TEST_CASE("the catalogue has the apps children use, each with a title, a source note and valid domains", "[services]") {
  for (const char* name : {"tiktok", "youtube", "facebook", "instagram", "messenger", "zalo", "discord", "roblox",
                           "minecraft", "garena", "pubg", "steam", "twitch", "netflix", "fptplay", "snapchat",
                           "telegram", "twitter", "reddit", "whatsapp"}) {
    INFO(name);
    const cfg::ServiceInfo* s = cfg::builtin_service(name);
    REQUIRE(s != nullptr);
    CHECK_FALSE(s->title().empty());
    CHECK(s->title() != s->name);
    CHECK(s->source().size() > 20);
  }
  const Catalogue c;
  REQUIRE(c.loaded.lists.size() == cfg::builtin_services().size());
  for (const auto& status : c.loaded.lists) {
    INFO(status.name << ": " << status.error);
    CHECK(status.state == bl::ListState::ok);
    CHECK(status.entries >= 2);
    CHECK(status.invalid == 0);
    CHECK(status.unsupported == 0);
  }
  CHECK(c.service_of("www.tiktok.com") == "tiktok");
  CHECK(c.service_of("lienquan.garena.vn") == "garena");
  CHECK(c.service_of("fpt.vn").empty());  // the ISP, not FPT Play
  CHECK(c.service_of("google.com").empty());
}

TEST_CASE("services cover The Block List Project's lists of the same apps", "[services][data]") {
  const Catalogue c;
  // Share of each Block List Project list that the catalogue's service blocks. The rest are
  // mostly shared CDN hosts (Akamai edge names) and ByteDance's China-only apps, which a
  // per-app switch must not take down with it.
  const std::vector<std::tuple<std::string, std::set<std::string>, double>> lists{
      {"blocklists/blocklistproject/facebook.hosts", {"facebook", "instagram", "messenger", "whatsapp"}, 0.90},
      {"blocklists/blocklistproject/twitter.hosts", {"twitter"}, 0.95},
      {"blocklists/blocklistproject/youtube.hosts.gz", {"youtube"}, 0.95},
      {"blocklists/blocklistproject/whatsapp.hosts", {"whatsapp", "facebook"}, 0.95},
      {"blocklists/blocklistproject/tiktok.hosts", {"tiktok"}, 0.45},
  };
  for (const auto& [path, services, share] : lists) {
    const auto names = read_names(path);
    const auto covered = std::count_if(names.begin(), names.end(), [&](const std::string& n) { return services.count(c.service_of(n)) != 0; });
    INFO(path << ": " << covered << " of " << names.size());
    CHECK(static_cast<double>(covered) >= share * static_cast<double>(names.size()));
  }
}

TEST_CASE("each service's domains are real: in the popular-domain data or a service list", "[services][data]") {
  std::set<std::string> known;
  for (const char* path : {"popular/alexa-2016-zer0h/top-100000-domains.txt.gz", "popular/opendns-2014/opendns-top-domains.txt",
                           "blocklists/blocklistproject/facebook.hosts", "blocklists/blocklistproject/twitter.hosts",
                           "blocklists/blocklistproject/tiktok.hosts", "blocklists/blocklistproject/whatsapp.hosts",
                           "blocklists/blocklistproject/youtube.hosts.gz"}) {
    for (auto& n : read_names(path)) known.insert(std::move(n));
  }
  const auto seen = [&](const std::string& domain) {
    if (known.count(domain) != 0) return true;
    return std::any_of(known.begin(), known.end(), [&](const std::string& k) { return k.size() > domain.size() && k.ends_with("." + domain); });
  };
  // Apps newer than the 2014/2016 popular lists and absent from the service lists there.
  const std::set<std::string> newer_than_data{"pubg"};
  // Apps whose main domain today is newer than the data (discord.com replaced discordapp.com
  // in 2020; zalo.me and fptplay.vn the older zaloapp.com and fptplay.net): checked through
  // their older domains above.
  const std::set<std::string> main_domain_newer{"discord", "zalo", "fptplay"};
  for (const auto& s : cfg::builtin_services()) {
    INFO(s.name);
    std::vector<std::string> domains;
    std::string_view text = s.text;
    while (!text.empty()) {
      const auto nl = text.find('\n');
      const std::string_view line = text.substr(0, nl);
      text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
      if (!line.empty() && line.front() != '#') domains.emplace_back(line);
    }
    const auto found = std::count_if(domains.begin(), domains.end(), seen);
    if (newer_than_data.count(std::string(s.name)) != 0) CHECK(found == 0);  // fails once the data has them: then check them
    else CHECK(found >= 1);
    // The first domain is the app's main one; it is in the data whenever the data knows the app.
    if (found > 0 && main_domain_newer.count(std::string(s.name)) == 0) CHECK(seen(domains.front()));
  }
}
