// Test support: builds DNS queries byte by byte, including deliberately malformed ones.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace sprout::test {

class QueryBuilder {
 public:
  explicit QueryBuilder(std::uint16_t id = 0x1234, std::uint16_t flags = 0x0100) {
    u16(id); u16(flags); u16(1); u16(0); u16(0); u16(0);
  }
  QueryBuilder& name(std::string_view dotted) {
    std::size_t start = 0;
    while (start < dotted.size()) {
      std::size_t dot = dotted.find('.', start);
      if (dot == std::string_view::npos) dot = dotted.size();
      bytes.push_back(static_cast<std::uint8_t>(dot - start));
      bytes.insert(bytes.end(), dotted.begin() + start, dotted.begin() + dot);
      start = dot + 1;
    }
    bytes.push_back(0);
    return *this;
  }
  QueryBuilder& type_class(std::uint16_t type = 1, std::uint16_t cls = 1) { u16(type); u16(cls); return *this; }
  // OPT in the additional section: UDP size, version, DO.
  QueryBuilder& opt(std::uint16_t size = 1232, std::uint8_t version = 0, bool dnssec_ok = false) {
    bytes.push_back(0); u16(41); u16(size);
    bytes.push_back(0); bytes.push_back(version); u16(dnssec_ok ? 0x8000 : 0); u16(0);
    set16(10, static_cast<std::uint16_t>(get16(10) + 1));
    return *this;
  }
  QueryBuilder& raw(std::initializer_list<std::uint8_t> b) { bytes.insert(bytes.end(), b); return *this; }
  QueryBuilder& u16(std::uint16_t v) { bytes.push_back(static_cast<std::uint8_t>(v >> 8)); bytes.push_back(static_cast<std::uint8_t>(v)); return *this; }
  QueryBuilder& set16(std::size_t at, std::uint16_t v) { bytes[at] = static_cast<std::uint8_t>(v >> 8); bytes[at + 1] = static_cast<std::uint8_t>(v); return *this; }
  std::uint16_t get16(std::size_t at) const { return static_cast<std::uint16_t>((bytes[at] << 8) | bytes[at + 1]); }

  std::vector<std::uint8_t> bytes;
};

}  // namespace sprout::test
