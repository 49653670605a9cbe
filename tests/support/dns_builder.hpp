// Test support (deprecated): the old QueryBuilder, now a thin forwarder onto MessageBuilder.
// Kept only until tests/unit/core/test_engine.cpp, test_policy.cpp and test_no_alloc.cpp move to
// message_builder.hpp; new tests use MessageBuilder::query() and friends directly.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "message_builder.hpp"

namespace sprout::test {

class QueryBuilder {
 public:
  // A header claiming one question; the question itself is written by name() + type_class().
  explicit QueryBuilder(std::uint16_t id = 0x1234, std::uint16_t flags = flag::kRd) : b_(id, flags) {
    sync(b_.count(Section::question, 1));
  }
  QueryBuilder& name(std::string_view dotted) { return sync(b_.name(dotted)); }
  QueryBuilder& type_class(std::uint16_t type = rr_type::kA, std::uint16_t cls = 1) {
    b_.u16(type);
    return sync(b_.u16(cls));
  }
  QueryBuilder& opt(std::uint16_t size = 1232, std::uint8_t version = 0, bool dnssec_ok = false) {
    return sync(b_.opt({.udp_size = size, .version = version, .dnssec_ok = dnssec_ok}));
  }
  QueryBuilder& raw(std::initializer_list<std::uint8_t> b) { return sync(b_.raw(b)); }
  QueryBuilder& u16(std::uint16_t v) { return sync(b_.u16(v)); }
  QueryBuilder& set16(std::size_t at, std::uint16_t v) { return sync(b_.set16(at, v)); }
  [[nodiscard]] std::uint16_t get16(std::size_t at) const { return b_.get16(at); }

  Bytes bytes;

 private:
  QueryBuilder& sync(MessageBuilder& b) {
    bytes = b.bytes;
    return *this;
  }
  MessageBuilder b_;
};

}  // namespace sprout::test
