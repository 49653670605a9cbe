// Proves the synchronous path allocates nothing per query: blocked, refused, malformed,
// rate-limited (also from a spoofed-source flood) and over the upstream limit.
// This executable links the counting operator new (tests/support/counting_new.hpp).
#include <catch2/catch.hpp>

#include <array>

#include "counting_new.hpp"
#include "message_builder.hpp"
#include "driver_harness.hpp"

using namespace sprout;

TEST_CASE("blocked, refused and malformed answers allocate nothing") {
  auto cfg = std::make_shared<config::Config>();
  cfg->categories = {{"gambling", ""}};
  config::Profile p;
  p.name = "default";
  p.block = {"gambling"};
  p.deny = {"denied.example"};
  config::Profile kids;
  kids.name = "kids";
  kids.deny = {"games.example"};
  cfg->profiles = {p, kids};
  cfg->networks.push_back({"lan", {*config::IpPrefix::parse("127.0.0.0/8")}, "default", {}});
  // A limit no query here reaches: every query still pays its bucket's lookup.
  cfg->rate_limit.qps = 1'000'000;
  cfg->rate_limit.burst = 10'000'000;
  // A device behind a trusted router, and a pause that covers someone else.
  cfg->trusted_forwarders = {*config::IpPrefix::parse("127.0.0.0/8")};
  cfg->devices.push_back({.name = "tablet", .macs = {{2, 0, 0, 0, 0, 10}}, .cpe_id = "router-7", .profile = "kids", .labels = {}});
  blocklists::IndexBuilder b(7);
  for (int i = 0; i < 1000; ++i) b.add("bet" + std::to_string(i) + ".example", blocklists::Rule{}, 1, 0);
  auto snap = std::make_shared<core::Snapshot>(cfg, std::make_shared<blocklists::DomainIndex>(b.build()));
  snap->pauses = std::make_shared<core::PauseBook>("");
  std::string error;
  REQUIRE(snap->pauses->add({core::PauseScope::network, "elsewhere", core::PauseWhat::filtering, "",
                             std::chrono::ceil<std::chrono::seconds>(std::chrono::system_clock::now()) + std::chrono::hours(1)},
                            std::chrono::system_clock::now(), error));
  const auto option = [](std::uint16_t code, test::Bytes data) { return test::Edns{.options = {{code, std::move(data)}}}; };

  const std::vector<std::vector<std::uint8_t>> queries = {
      test::MessageBuilder::query("www.bet17.example", 1, 1).opt().bytes,   // category
      test::MessageBuilder::query("x.denied.example", 28, 2).bytes,         // override
      test::MessageBuilder::query("a.b", 1, 3).count(test::Section::question, 2).bytes,            // FORMERR
      test::MessageBuilder::query("a.b", 1, 4).flags(0x2000).bytes,                // NOTIMP
      test::MessageBuilder::query("games.example", 1, 5).opt(option(65001, {2, 0, 0, 0, 0, 10})).bytes,  // device
      test::MessageBuilder::query("www.bet1.example", 1, 6).opt(option(65073, {'A', 'g', 'A', 'A', 'A', 'A', 'A', 'L'})).bytes,  // unknown MAC
      test::MessageBuilder::query("games.example", 1, 7).opt(option(65074, {'r', 'o', 'u', 't', 'e', 'r', '-', '7'})).bytes,  // CPE id
  };
  const auto lan = *config::IpAddress::parse("127.0.0.9");
  const auto outside = *config::IpAddress::parse("192.0.2.1");
  // A transport's responder: answers land in its buffer, as in a UDP send batch.
  struct SlotResponder final : core::Responder {
    std::array<std::uint8_t, 4096> slot{};
    std::size_t answered = 0;
    std::span<std::uint8_t> buffer() noexcept override { return slot; }
    void send(std::span<const std::uint8_t> a) override { answered += a.data() == slot.data() ? 1 : 0; }
    void drop() override {}
    std::unique_ptr<core::Responder> detach() override { return nullptr; }
  } responder;
  core::SnapshotHolder holder;
  holder.publish(snap);
  test::HeldUpstream upstream;
  struct : core::QueryObserver {
    void observe(const core::QueryContext&, std::uint64_t) noexcept override {}
  } observer;
  core::Driver driver(holder, upstream, observer);
  const std::size_t before = sprout::test::allocation_count();
  for (int round = 0; round < 1000; ++round) {
    for (const auto& q : queries) {
      for (const auto* client : {&lan, &outside}) driver.run(q, *client, core::Transport::udp, responder);
    }
  }
  const std::size_t allocations = sprout::test::allocation_count() - before;
  CHECK(responder.answered == 14000);
  CHECK(upstream.pending.empty());
  CHECK(allocations == 0);
}

namespace {
core::SteadyTime g_now = core::SteadyTime{} + std::chrono::seconds(100);
core::SteadyTime frozen_now() noexcept { return g_now; }
}  // namespace

TEST_CASE("rate-limited queries, a spoofed flood and misses over the upstream limit allocate nothing") {
  auto cfg = std::make_shared<config::Config>();
  config::Profile p;
  p.name = "default";
  cfg->profiles = {p};
  cfg->networks.push_back({"lan", {*config::IpPrefix::parse("10.0.0.0/8")}, "default", {}});
  cfg->rate_limit.qps = 1;
  cfg->rate_limit.burst = 1;
  cfg->upstream_limit.total = 1;
  auto snap = std::make_shared<core::Snapshot>(cfg, nullptr);
  core::SnapshotHolder holder;
  holder.publish(snap);
  struct Counting final : core::Responder {
    std::array<std::uint8_t, 4096> slot{};
    std::size_t refused = 0, servfail = 0;
    std::span<std::uint8_t> buffer() noexcept override { return slot; }
    void send(std::span<const std::uint8_t> a) override {
      refused += (a[3] & 0xf) == 5 ? 1 : 0;
      servfail += (a[3] & 0xf) == 2 ? 1 : 0;
    }
    void drop() override {}
    std::unique_ptr<core::Responder> detach() override { return std::make_unique<Counting>(); }
  } responder;
  test::HeldUpstream upstream;
  struct : core::QueryObserver {
    void observe(const core::QueryContext&, std::uint64_t) noexcept override {}
  } observer;
  {
    core::Driver driver(holder, upstream, observer, &frozen_now);
    const auto q = test::MessageBuilder::query("www.example.org", 1, 9).bytes;
    driver.run(q, *config::IpAddress::parse("10.0.0.1"), core::Transport::udp, responder);  // the one miss
    REQUIRE(upstream.pending.size() == 1);
    const std::size_t before = sprout::test::allocation_count();
    for (int i = 0; i < 1000; ++i) {  // the same client again: over its rate
      driver.run(q, *config::IpAddress::parse("10.0.0.1"), core::Transport::udp, responder);
    }
    for (std::uint32_t i = 0; i < 20000; ++i) {  // a flood from spoofed sources, each once: over the upstream limit
      const std::uint8_t four[4] = {10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                                    static_cast<std::uint8_t>(i)};
      driver.run(q, config::IpAddress::from_v4(four), core::Transport::udp, responder);
    }
    const std::size_t allocations = sprout::test::allocation_count() - before;
    CHECK(responder.refused == 1001);  // and 10.0.0.1 once more in the flood
    CHECK(responder.servfail == 19999);
    CHECK(upstream.pending.size() == 1);
    CHECK(allocations == 0);
    upstream.pending.clear();  // before the driver whose count the query holds
  }
}
