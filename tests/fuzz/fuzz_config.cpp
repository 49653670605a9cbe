// Fuzz target: the config loader. YAML text in, a config or located errors out, never a
// crash; what it accepts builds a snapshot, and its errors are safe to print.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "sprout/config/loader.hpp"
#include "sprout/config/printable.hpp"
#include "sprout/config/reload_kind.hpp"
#include "sprout/core/snapshot.hpp"

namespace {

using namespace sprout;

// A terminal acts on C0 controls and DEL; the loader must have escaped them (config::printable).
bool terminal_safe(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  const config::LoadResult r = config::load_string(yaml, "fuzz.yaml");
  FUZZ_CHECK(r.config.has_value() == r.errors.empty());
  const auto lines = static_cast<int>(std::count(yaml.begin(), yaml.end(), '\n')) + 1;
  for (const auto& e : r.errors) {
    FUZZ_CHECK(e.file == "fuzz.yaml");
    FUZZ_CHECK(!e.message.empty());
    FUZZ_CHECK(e.line >= 0 && e.line <= lines && e.column >= 0);
    FUZZ_CHECK(e.line == 0 || e.column >= 1);
    FUZZ_CHECK(terminal_safe(e.to_string()));
  }
  if (!r.config) return 0;
  const config::Config& cfg = *r.config;
  FUZZ_CHECK(std::any_of(cfg.profiles.begin(), cfg.profiles.end(), [](const auto& p) { return p.name == "default"; }));
  for (const auto& n : cfg.networks) {
    FUZZ_CHECK(std::any_of(cfg.profiles.begin(), cfg.profiles.end(), [&](const auto& p) { return p.name == n.profile; }));
  }
  // What the loader accepts, a reload applies: diffing against the default and building the
  // snapshot (networks, profiles, schedules, pipeline) must not fail.
  (void)config::changed_keys(config::embedded_default(), cfg);
  const core::Snapshot snapshot(std::make_shared<const config::Config>(cfg), nullptr);
  FUZZ_CHECK(!snapshot.pipeline.describe().empty());
  return 0;
}
