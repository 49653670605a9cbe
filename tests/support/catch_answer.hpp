// Test support for Catch2 tests: every answer a test receives goes through ldns and its expectations here.
#pragma once

#include <catch2/catch.hpp>

#include <source_location>
#include <span>

#include "answer_check.hpp"

namespace sprout::test {

// Reads `wire` with ldns: a packet ldns cannot parse fails the test case here (REQUIRE); each
// unmet expectation is a failed CHECK. Returns the message as ldns read it.
inline Message answer_of(std::span<const std::uint8_t> wire, const Expect& expect = {},
                         std::source_location where = std::source_location::current()) {
  const AnswerCheck check = check_answer(wire, expect);
  if (!check.ok()) {  // the report (ldns's text of the packet, a hex dump) only when it is needed
    INFO("answer checked at " << where.file_name() << ":" << where.line() << "\n" << check.report());
    REQUIRE(check.parsed());
    CHECK(check.ok());
  }
  return check.message();
}

}  // namespace sprout::test
