// SnapshotHolder and SnapshotCache: the control thread publishes while workers read (run under
// ThreadSanitizer by tests/run-all.sh); readers only ever see whole, newer snapshots, and old
// ones are released once nobody pins them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sprout/core/snapshot.hpp"

using namespace sprout;

namespace {

// Snapshot number `n` says so in its config and in its one network's name, so a reader can
// tell a whole snapshot from a torn one.
std::shared_ptr<core::Snapshot> numbered_snapshot(std::uint64_t n) {
  auto cfg = std::make_shared<config::Config>();
  cfg->source = "gen-" + std::to_string(n);
  config::Profile p;
  p.name = "default";
  cfg->profiles.push_back(p);
  config::Network net{.name = "net-" + std::to_string(n), .cidrs = {}, .profile = "default", .labels = {}};
  net.cidrs.push_back(*config::IpPrefix::parse("127.0.0.0/8"));
  cfg->networks.push_back(net);
  return std::make_shared<core::Snapshot>(cfg, nullptr);
}

// What a worker checks on every query it would serve; counted, since Catch2 assertions
// belong to the test's own thread.
struct ReaderTally {
  std::uint64_t reads = 0;
  std::uint64_t torn = 0;       // content that does not match the snapshot's generation
  std::uint64_t backwards = 0;  // older than a generation the reader had already seen
};

ReaderTally read_until(const core::SnapshotHolder& holder, const std::atomic<bool>& stop,
                       std::atomic<int>& reading) {
  ReaderTally t;
  core::SnapshotCache cache(holder);
  const auto client = *config::IpAddress::parse("127.0.0.9");
  std::uint64_t newest_seen = 0;
  while (!stop.load(std::memory_order_acquire)) {
    const std::uint64_t published = holder.generation();
    const auto& s = cache.get();
    ++t.reads;
    const std::string n = std::to_string(s->generation);
    const auto* network = s->networks.match(client);
    if (s->config->source != "gen-" + n || network == nullptr || network->name != "net-" + n ||
        s->profiles.size() != s->config->profiles.size()) {
      ++t.torn;
    }
    if (s->generation < published || s->generation < newest_seen) ++t.backwards;
    newest_seen = std::max(newest_seen, s->generation);
    if (t.reads == 1) reading.fetch_add(1, std::memory_order_release);
  }
  return t;
}

}  // namespace

TEST_CASE("snapshots published while workers read are seen whole, in order, and then released") {
  constexpr std::uint64_t kPublishes = 300;
  constexpr int kReaders = 4;
  core::SnapshotHolder holder;
  std::atomic<int> hooks{0};
  holder.on_publish([&] { hooks.fetch_add(1, std::memory_order_relaxed); });
  holder.publish(numbered_snapshot(1));

  std::atomic<bool> stop{false};
  std::atomic<int> reading{0};
  std::vector<ReaderTally> tallies(kReaders);
  std::vector<std::thread> readers;
  for (int i = 0; i < kReaders; ++i) {
    readers.emplace_back([&, i] { tallies[static_cast<std::size_t>(i)] = read_until(holder, stop, reading); });
  }
  // Publishing starts once every reader is reading: on a loaded machine the publishes could
  // otherwise all happen before any reader thread was scheduled, and nothing would be tested.
  while (reading.load(std::memory_order_acquire) < kReaders) std::this_thread::yield();
  std::vector<std::weak_ptr<const core::Snapshot>> published;
  for (std::uint64_t n = 2; n <= kPublishes; ++n) {
    auto next = numbered_snapshot(n);
    published.push_back(next);
    holder.publish(std::move(next));
  }
  stop.store(true, std::memory_order_release);
  for (auto& r : readers) r.join();

  std::uint64_t reads = 0;
  for (const auto& t : tallies) {
    CHECK(t.torn == 0);
    CHECK(t.backwards == 0);
    reads += t.reads;
  }
  CHECK(reads > 0);
  CHECK(holder.generation() == kPublishes);
  CHECK(holder.load()->generation == kPublishes);
  CHECK(holder.load()->config->source == "gen-" + std::to_string(kPublishes));
  CHECK(hooks.load() == static_cast<int>(kPublishes));
  // The readers are gone: only the holder pins a snapshot, the newest.
  std::size_t alive = 0;
  for (const auto& w : published) alive += w.expired() ? 0 : 1;
  CHECK(alive == 1);
  CHECK_FALSE(published.back().expired());
}

TEST_CASE("a worker's pinned snapshot survives a publish until it looks again") {
  core::SnapshotHolder holder;
  holder.publish(numbered_snapshot(1));
  core::SnapshotCache cache(holder);
  const std::shared_ptr<const core::Snapshot> pinned = cache.get();
  std::weak_ptr<const core::Snapshot> first = pinned;
  std::thread control([&] { holder.publish(numbered_snapshot(2)); });
  control.join();
  CHECK(pinned->config->source == "gen-1");  // still whole: the worker holds it
  CHECK(cache.get()->generation == 2);       // the next query moves on
  CHECK_FALSE(first.expired());              // `pinned` is the last owner
}
