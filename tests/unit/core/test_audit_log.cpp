// The audit log: entries as JSON lines, read back newest last, capped by rotation, a torn
// last line skipped, text output escaped.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "sprout/core/audit_log.hpp"

using namespace sprout;

namespace {

struct TempDir {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("sprout-audit-" + std::to_string(::getpid()) + "-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() { std::filesystem::remove_all(path); }
};

core::AuditEntry entry(int i) {
  core::AuditEntry e;
  e.time = std::chrono::system_clock::time_point(std::chrono::seconds(1'764'576'000 + i));
  e.principal = "token";
  e.action = "pause";
  e.target = "device tablet-an";
  e.before = core::Json::array();
  e.after = core::Json::array({{{"until", std::to_string(i)}}});
  return e;
}

}  // namespace

TEST_CASE("audit entries are appended as JSON lines and read back oldest first", "[audit]") {
  TempDir d;
  core::AuditLog log((d.path / "audit.jsonl").string());
  std::string error;
  for (int i = 0; i < 5; ++i) REQUIRE(log.append(entry(i), error));
  const auto all = log.recent(100);
  REQUIRE(all.size() == 5);
  CHECK(all[0]["time"] == "2025-12-01T08:00:00Z");
  CHECK(all[0]["principal"] == "token");
  CHECK(all[0]["action"] == "pause");
  CHECK(all[0]["target"] == "device tablet-an");
  CHECK(all[0]["before"] == core::Json::array());
  CHECK(all[4]["after"][0]["until"] == "4");
  const auto last2 = log.recent(2);
  REQUIRE(last2.size() == 2);
  CHECK(last2[1]["after"][0]["until"] == "4");
  CHECK(core::AuditLog::read(log.path(), 100).size() == 5);  // the CLI's way, no writer needed
  // Each line is one entry.
  std::ifstream in(log.path());
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    CHECK(core::Json::parse(line).is_object());
  }
  CHECK(lines == 5);
}

TEST_CASE("the audit log is capped: it rotates to .1 and keeps the newest entries", "[audit]") {
  TempDir d;
  const std::uint64_t cap = 1000;
  core::AuditLog log((d.path / "audit.jsonl").string(), cap);
  std::string error;
  for (int i = 0; i < 200; ++i) REQUIRE(log.append(entry(i), error));
  CHECK(std::filesystem::file_size(log.path()) <= cap);
  CHECK(std::filesystem::file_size(log.path() + ".1") <= cap);
  CHECK_FALSE(std::filesystem::exists(log.path() + ".2"));
  const auto kept = log.recent(1000);
  REQUIRE(kept.size() >= 4);
  CHECK(kept.size() < 200);
  CHECK(kept.back()["after"][0]["until"] == "199");  // the newest survive, in order
  for (std::size_t i = 1; i < kept.size(); ++i) CHECK(kept[i]["time"] > kept[i - 1]["time"]);
}

TEST_CASE("concurrent appends never interleave; a torn last line is skipped", "[audit]") {
  TempDir d;
  core::AuditLog log((d.path / "audit.jsonl").string());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&log, t] {
      std::string error;
      for (int i = 0; i < 50; ++i) log.append(entry(t * 100 + i), error);
    });
  }
  for (auto& t : threads) t.join();
  CHECK(log.recent(1000).size() == 200);
  std::ofstream(log.path(), std::ios::app) << "{\"time\":\"2026-";  // a crash mid-write
  CHECK(log.recent(1000).size() == 200);
}

TEST_CASE("an audit log that cannot be written says why; text output is escaped", "[audit]") {
  core::AuditLog log("/nonexistent-dir/audit.jsonl");
  std::string error;
  CHECK_FALSE(log.append(entry(1), error));
  CHECK(error.find("/nonexistent-dir/audit.jsonl") != std::string::npos);
  CHECK(log.recent(10).empty());
  auto e = core::to_json(entry(1));
  e["target"] = "device evil\x1b[2J\n";
  const std::string text = core::audit_text({e});
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find("2025-12-01T08:00:01Z  token  pause  device evil") == 0);
  CHECK(text.find("[] -> [{\"until\":\"1\"}]") != std::string::npos);
  CHECK(std::count(text.begin(), text.end(), '\n') == 1);
}

TEST_CASE("audit entries get ids that go on across restarts and rotations; find() reads one back", "[audit]") {
  TempDir d;
  const std::string path = (d.path / "audit.jsonl").string();
  std::string error;
  {
    core::AuditLog log(path, 300);
    for (int i = 0; i < 6; ++i) CHECK(log.append(entry(i), error) == static_cast<std::uint64_t>(i + 1));
  }
  core::AuditLog again(path, 300);  // a restart: the next id follows the newest kept
  core::AuditEntry undo = entry(9);
  undo.action = "undo";
  undo.undoes = 6;
  CHECK(again.append(undo, error) == 7);
  const auto found = again.find(7);
  REQUIRE(found);
  CHECK((*found)["id"] == 7);
  CHECK((*found)["undoes"] == 6);
  CHECK((*found)["action"] == "undo");
  CHECK_FALSE(again.find(1));  // rotated away (300 bytes per file: two entries)
  CHECK_FALSE(again.find(99));
  CHECK_FALSE(again.recent(100).front().contains("undoes"));
}
