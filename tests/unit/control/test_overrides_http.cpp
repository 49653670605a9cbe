// The dashboard's changes through the control code: POST /api/override edits overrides.json,
// checked by the config code, applied, audited; POST /api/undo puts it back once; schedules.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "overrides_http.hpp"
#include "pause_http.hpp"
#include "sprout/config/loader.hpp"
#include "sprout/core/audit_log.hpp"

using namespace sprout;
namespace fs = std::filesystem;

namespace {

struct World {
  World() : dir(fs::temp_directory_path() / ("sprout-overrides-" + std::to_string(::getpid()) + "-" + std::to_string(++n))) {
    fs::create_directories(dir);
    auto r = config::load_string("categories: {games: {}, social: {}}\n"
                                 "profiles: {kids: {block: [games], schedules: {bedtime: {windows: [{days: daily, from: \"21:00\", to: \"06:00\"}], mode: block_all}}}}\n"
                                 "networks: {home: {cidrs: [127.0.0.0/8], profile: kids}}\n"
                                 "state_dir: " + dir.string() + "\n", "sprout.yaml");
    REQUIRE(r.config);
    base = *r.config;
    publish(base.overrides);
  }
  ~World() { fs::remove_all(dir); }
  void publish(config::Overrides o) {
    auto cfg = std::make_shared<config::Config>(base);
    cfg->overrides = std::move(o);
    auto next = std::make_shared<core::Snapshot>(cfg, nullptr);
    next->audit = audit;
    next->pauses = pauses;
    snap = next;
    ++applied;
  }
  admin::ReportResult change(admin::QueryParams p) {
    p["principal"] = "teacher";
    const auto pinned = snap;  // as the server pins its snapshot: publish() replaces `snap` meanwhile
    return control::override_request(*pinned, p, [this](config::Overrides o) { publish(std::move(o)); });
  }
  admin::ReportResult undo(const std::string& id) {
    const auto pinned = snap;
    return control::undo_request(*pinned, {{"id", id}, {"principal", "teacher"}}, [this](config::Overrides o) { publish(std::move(o)); });
  }
  fs::path dir;
  config::Config base;
  std::shared_ptr<core::AuditLog> audit = std::make_shared<core::AuditLog>((dir / "audit.jsonl").string());
  std::shared_ptr<core::PauseBook> pauses = std::make_shared<core::PauseBook>("");
  std::shared_ptr<const core::Snapshot> snap;
  int applied = 0;
  static inline int n = 0;
};

core::Json body(const admin::ReportResult& r) { return core::Json::parse(r.body); }

}  // namespace

TEST_CASE("override: a domain allowed, written, applied, audited and undone once", "[overrides]") {
  World w;
  const auto r = w.change({{"profile", "kids"}, {"kind", "domain"}, {"domain", "Games.Example."}, {"action", "allow"}});
  REQUIRE(r.status == 200);
  CHECK(w.applied == 2);
  REQUIRE(w.snap->config->overrides.of("kids") != nullptr);
  CHECK(w.snap->config->overrides.of("kids")->allow == std::vector<std::string>{"games.example"});
  // The file on disk is what the config code reads back at the next start.
  config::Overrides reread;
  CHECK(config::load_overrides((w.dir / "overrides.json").string(), w.base, reread).empty());
  CHECK(reread == w.snap->config->overrides);
  const auto id = body(r)["audit_id"].get<std::uint64_t>();
  const auto entry = w.audit->find(id);
  REQUIRE(entry);
  CHECK((*entry)["principal"] == "teacher");
  CHECK((*entry)["action"] == "override");
  CHECK((*entry)["target"] == "profile kids");
  CHECK((*entry)["before"].is_null());
  CHECK((*entry)["after"]["allow"][0] == "games.example");
  CHECK(control::undoable(*w.snap, *entry));
  // Undone: the profile has no overrides left; undone twice: 409.
  const auto u = w.undo(std::to_string(id));
  REQUIRE(u.status == 200);
  CHECK(w.snap->config->overrides.of("kids") == nullptr);
  CHECK((*w.audit->find(body(u)["audit_id"].get<std::uint64_t>()))["undoes"] == id);
  CHECK(w.undo(std::to_string(id)).status == 409);
  CHECK_FALSE(control::undoable(*w.snap, *w.audit->find(id)));
  CHECK(w.undo("999").status == 404);
  CHECK(w.undo("x").status == 400);
}

TEST_CASE("override: undo refuses when the profile changed again since", "[overrides]") {
  World w;
  const auto first = w.change({{"profile", "kids"}, {"kind", "domain"}, {"domain", "a.example"}, {"action", "block"}});
  REQUIRE(first.status == 200);
  REQUIRE(w.change({{"profile", "kids"}, {"kind", "category"}, {"category", "social"}, {"enabled", "1"}}).status == 200);
  CHECK(w.undo(std::to_string(body(first)["audit_id"].get<std::uint64_t>())).status == 409);
  CHECK(w.snap->config->overrides.of("kids")->categories.at("social"));
  // Switching games off, then back on (what the YAML says) leaves no key behind.
  REQUIRE(w.change({{"profile", "kids"}, {"kind", "category"}, {"category", "games"}, {"enabled", "0"}}).status == 200);
  CHECK_FALSE(w.snap->config->overrides.of("kids")->categories.at("games"));
  REQUIRE(w.change({{"profile", "kids"}, {"kind", "category"}, {"category", "games"}, {"enabled", "1"}}).status == 200);
  CHECK_FALSE(w.snap->config->overrides.of("kids")->categories.contains("games"));
}

TEST_CASE("override: every validation error at once, nothing written", "[overrides]") {
  World w;
  const auto r = w.change({{"profile", "nobody"}, {"kind", "colour"}});
  CHECK(r.status == 422);
  CHECK(body(r)["errors"].size() == 2);
  const auto d = w.change({{"profile", "kids"}, {"kind", "domain"}, {"domain", "not a domain"}, {"action", "maybe"}});
  CHECK(d.status == 422);
  CHECK(body(d)["errors"].size() == 2);
  CHECK(w.change({{"profile", "kids"}, {"kind", "domain"}, {"domain", "x.example"}, {"action", "remove"}}).status == 422);
  CHECK(w.change({{"profile", "kids"}, {"kind", "category"}, {"category", "gamez"}, {"enabled", "1"}}).status == 422);
  CHECK(w.change({{"profile", "kids"}, {"kind", "schedule"}, {"schedule", "bedtime"}, {"action", "extend"}, {"minutes", "0"}}).status == 422);
  CHECK_FALSE(fs::exists(w.dir / "overrides.json"));
  CHECK(w.applied == 1);
}

TEST_CASE("override: a schedule skipped to the end of its next window", "[overrides]") {
  World w;
  const auto r = w.change({{"profile", "kids"}, {"kind", "schedule"}, {"schedule", "bedtime"}, {"action", "skip"}});
  REQUIRE(r.status == 200);
  const auto& s = w.snap->config->overrides.of("kids")->schedules;
  REQUIRE(s.size() == 1);
  CHECK_FALSE(s[0].active);
  // Bedtime ends at 06:00 UTC: the skip ends at a 06:00, within a day.
  const auto now = std::chrono::system_clock::to_time_t(w.snap->clock_now());
  CHECK(s[0].until % 86400 == 6 * 3600);
  CHECK(s[0].until > now);
  CHECK(s[0].until <= now + 33 * 3600);
}

TEST_CASE("undo: entries edited by hand are refused, never an exception", "[overrides]") {
  World w;
  REQUIRE(w.change({{"profile", "kids"}, {"kind", "domain"}, {"domain", "a.example"}, {"action", "allow"}}).status == 200);
  {
    std::ofstream log(w.dir / "audit.jsonl", std::ios::app);
    log << "{\"id\":50,\"action\":\"override\",\"target\":\"x\"}\n"
        << "{\"id\":51,\"action\":\"pause\",\"target\":\"device tablet\",\"before\":7}\n"
        << "{\"id\":52,\"action\":\"override\",\"target\":\"profile kids\"}\n";
  }
  CHECK(w.undo("50").status == 409);
  CHECK(w.undo("51").status == 409);
  CHECK(w.undo("52").status == 409);  // no "after": it cannot match what is there now
  CHECK(w.snap->config->overrides.of("kids") != nullptr);
}

TEST_CASE("override: the active window extended, then extended again from its new end", "[overrides]") {
  // A window around now (UTC), on the minute: from an hour ago to an hour ahead (crossing
  // midnight when it must).
  const auto now = std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now());
  const auto minute_of_day = [](std::chrono::system_clock::time_point t) {
    return static_cast<std::uint16_t>(std::chrono::system_clock::to_time_t(t) % 86400 / 60);
  };
  const auto end = now + std::chrono::hours(1);
  World w;
  w.base.profiles[0].schedules[0].windows = {{0x7f, minute_of_day(now - std::chrono::hours(1)), minute_of_day(end)}};
  w.publish({});
  REQUIRE(w.change({{"profile", "kids"}, {"kind", "schedule"}, {"schedule", "bedtime"}, {"action", "extend"}, {"minutes", "30"}}).status == 200);
  const auto until = [&] { return w.snap->config->overrides.of("kids")->schedules.at(0).until; };
  const auto end_s = std::chrono::system_clock::to_time_t(end);
  CHECK(until() == end_s + 1800);
  CHECK(w.snap->config->overrides.of("kids")->schedules.at(0).active);
  REQUIRE(w.change({{"profile", "kids"}, {"kind", "schedule"}, {"schedule", "bedtime"}, {"action", "extend"}, {"minutes", "15"}}).status == 200);
  CHECK(until() == end_s + 2700);
}
