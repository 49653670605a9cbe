// A listener's health state machine: armed, woken, failing, recovered; what /health makes of it.
#include <catch2/catch.hpp>

#include <cerrno>

#include "sprout/core/listener_state.hpp"

using sprout::core::ListenerState;
using sprout::core::listener_problem;
using namespace std::chrono_literals;

namespace {

const ListenerState::Clock::time_point kT0 = ListenerState::Clock::time_point(1000s);
constexpr auto kGrace = 3s;

}  // namespace

TEST_CASE("listener: armed and serving is no problem, however long it is quiet", "[listener]") {
  ListenerState s("udp 127.0.0.1:53");
  s.armed(kT0);
  CHECK_FALSE(listener_problem(s.read(), kT0 + 1h, kGrace));
  s.woke(kT0 + 1h);
  CHECK(s.succeeded() == 0);
  s.armed(kT0 + 1h);
  CHECK_FALSE(listener_problem(s.read(), kT0 + 2h, kGrace));
}

TEST_CASE("listener: never armed, or not re-armed after waking, is deaf once the grace is over", "[listener]") {
  ListenerState never("tcp 127.0.0.1:53");
  CHECK(listener_problem(never.read(), kT0, kGrace));
  ListenerState s("udp 127.0.0.1:53");
  s.armed(kT0);
  s.woke(kT0 + 10s);  // its handler runs (or died without re-arming)
  CHECK_FALSE(listener_problem(s.read(), kT0 + 11s, kGrace));
  const auto problem = listener_problem(s.read(), kT0 + 20s, kGrace);
  REQUIRE(problem);
  CHECK(*problem == "not re-armed for 10 s");
}

TEST_CASE("listener: failing while errors keep coming, serving again after a success", "[listener]") {
  ListenerState s("tcp 127.0.0.1:53");
  s.armed(kT0);
  for (int i = 1; i <= 3; ++i) {
    s.woke(kT0 + std::chrono::seconds(i));
    s.failed(EMFILE, kT0 + std::chrono::seconds(i));
    s.armed(kT0 + std::chrono::seconds(i) + 1s);  // re-armed after its pause
  }
  const auto problem = listener_problem(s.read(), kT0 + 4s, kGrace);
  REQUIRE(problem);
  CHECK(*problem == "failing (3 in a row): Too many open files");
  CHECK(s.read().errors == 3);
  s.woke(kT0 + 5s);
  CHECK(s.succeeded() == 3);
  s.armed(kT0 + 5s);
  CHECK_FALSE(listener_problem(s.read(), kT0 + 5s, kGrace));
  CHECK(s.read().errors == 3);  // the total stays for /metrics
  CHECK(s.read().streak == 0);
}

TEST_CASE("listener: one old error on a quiet listener is history, not a state", "[listener]") {
  ListenerState s("tcp 127.0.0.1:53");
  s.armed(kT0);
  s.woke(kT0 + 1s);
  s.failed(EPROTO, kT0 + 1s);
  s.armed(kT0 + 1s + 50ms);
  CHECK(listener_problem(s.read(), kT0 + 2s, kGrace));
  CHECK_FALSE(listener_problem(s.read(), kT0 + 1h, kGrace));
}

TEST_CASE("listener: an error that left it unarmed is named with the deafness", "[listener]") {
  ListenerState s("udp 127.0.0.1:53");
  s.armed(kT0);
  s.woke(kT0 + 1s);
  s.failed(0, kT0 + 1s);  // an exception, and then nothing re-armed it
  const auto problem = listener_problem(s.read(), kT0 + 1h, kGrace);
  REQUIRE(problem);
  CHECK(*problem == "not re-armed for 3599 s (last error: an exception)");
}
