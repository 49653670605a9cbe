// Fuzz targets: one fixed resolver world (config, lists, cache) whose driver runs fuzzed
// queries and answers, and the checks every answer Sprout sends must pass, read with ldns.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "driver_harness.hpp"
#include "ldns_reader.hpp"
#include "sprout/core/snapshot.hpp"

namespace sprout::fuzz {

// Clients of the world: each network has its own profile (block mode) and the last is in none.
inline constexpr const char* kClients[] = {"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "192.0.2.200"};
inline constexpr std::size_t kClientCount = sizeof kClients / sizeof kClients[0];

// Names the world's lists and overrides block (and one allowed inside a blocked zone).
inline constexpr const char* kBlockedName = "blocked.test";
inline constexpr const char* kDeniedName = "denied.test";

// The world's snapshot, built once: profiles for every block mode, SafeSearch everywhere,
// a schedule (TTL clamp), blocked answer addresses, a cache.
std::shared_ptr<core::Snapshot> world_snapshot();

// Gives the world's snapshot an empty cache.
void reset_cache();

// A driver over the shared snapshot.
struct World {
  World() : harness(world_snapshot()) {}
  // Every input starts cold (no answers, nothing pending, an empty cache): a crash must
  // replay from its input alone. Returns the harness to drive.
  test::DriverHarness& fresh_input() {
    harness.sent->answers.clear();
    harness.upstream.pending.clear();
    reset_cache();
    return harness;
  }
  test::DriverHarness harness;
};

// The query a client sent and what Sprout answered, as ldns reads it. Returns an error text
// when ldns rejects the answer or disagrees with its header or question; nullopt when fine.
std::optional<std::string> check_answer(std::span<const std::uint8_t> query, std::span<const std::uint8_t> answer,
                                        bool udp);

// No CNAME target in the answer section may be a name the client's policy blocks, and no
// A/AAAA address may fall in blocked_answers (CNAME cloaking): checked on ldns's reading.
std::optional<std::string> check_not_cloaked(const core::Snapshot& snap, const char* client, std::uint16_t qtype,
                                             std::span<const std::uint8_t> answer);

}  // namespace sprout::fuzz
