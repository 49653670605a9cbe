// The blocked-domain hand-over between workers and the control thread: nothing a worker
// handed over is lost, however late it arrives.
#include <catch2/catch.hpp>

#include "sprout/control/domain_harvest.hpp"

using sprout::control::DomainHarvest;

namespace {

std::uint64_t total(const DomainHarvest& h, std::size_t worker, const std::string& domain) {
  for (const auto& d : h.totals(worker)) {
    if (d.domain == domain) return d.count;
  }
  return 0;
}

// A worker's answer that is already there when asked.
std::future<DomainHarvest::Counts> answered(DomainHarvest::Counts counts) {
  std::promise<DomainHarvest::Counts> p;
  p.set_value(std::move(counts));
  return p.get_future();
}

}  // namespace

TEST_CASE("harvest: a worker's prompt hand-over is added to its totals", "[control]") {
  DomainHarvest h(std::chrono::milliseconds(10));
  h.harvest(0, [] { return answered({{"a.example", 2, 3}}); });
  h.harvest(0, [] { return answered({{"a.example", 2, 1}, {"b.example", -1, 1}}); });
  CHECK(total(h, 0, "a.example") == 4);
  CHECK(total(h, 0, "b.example") == 1);
  CHECK(h.totals(1).empty());
}

TEST_CASE("harvest: a hand-over that arrives after the wait lands at the next harvest", "[control]") {
  DomainHarvest h(std::chrono::milliseconds(10));
  std::promise<DomainHarvest::Counts> late;
  int asks = 0;
  h.harvest(0, [&] {
    ++asks;
    return late.get_future();
  });
  CHECK(h.totals(0).empty());  // the worker was busy: nothing yet
  // The worker runs the take after the control thread gave up waiting: its table is empty
  // now, so these counts exist only in the hand-over.
  late.set_value({{"late.example", 0, 5}});
  h.harvest(0, [&] {
    ++asks;
    return answered({{"next.example", 0, 1}});
  });
  CHECK(total(h, 0, "late.example") == 5);
  CHECK(asks == 1);  // the unanswered ask is read, not replaced by a second one
  h.harvest(0, [&] {
    ++asks;
    return answered({{"next.example", 0, 1}});
  });
  CHECK(total(h, 0, "next.example") == 1);
  CHECK(total(h, 0, "late.example") == 5);
}

TEST_CASE("harvest: at shutdown a late hand-over and the rest of the table are both added", "[control]") {
  DomainHarvest h(std::chrono::milliseconds(10));
  std::promise<DomainHarvest::Counts> late;
  h.harvest(0, [&] { return late.get_future(); });
  late.set_value({{"late.example", 0, 2}});
  h.harvest_stopped(0, [] { return DomainHarvest::Counts{{"late.example", 0, 1}, {"last.example", 3, 1}}; });
  CHECK(total(h, 0, "late.example") == 3);
  CHECK(total(h, 0, "last.example") == 1);
}

TEST_CASE("harvest: at shutdown an ask the worker never ran is not waited for", "[control]") {
  DomainHarvest h(std::chrono::milliseconds(10));
  auto never = std::make_shared<std::promise<DomainHarvest::Counts>>();
  h.harvest(0, [&] { return never->get_future(); });
  never.reset();  // the stopped io_context destroys the posted take unrun: a broken promise
  h.harvest_stopped(0, [] { return DomainHarvest::Counts{{"left.example", 0, 4}}; });
  CHECK(total(h, 0, "left.example") == 4);
}
