// Test support: builds upstream DNS answers byte by byte (records, SOA, OPT, compressed owners).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace sprout::test {

class AnswerBuilder {
 public:
  enum class Part : std::uint8_t { answer, authority, additional };
  static constexpr std::uint16_t kQuestionName = 12;  // offset of the question name, for pointers

  explicit AnswerBuilder(std::string_view qname, std::uint16_t qtype = 1, std::uint16_t rcode = 0,
                         std::uint16_t qclass = 1) {
    u16(0x1234); u16(static_cast<std::uint16_t>(0x8180 | rcode)); u16(1); u16(0); u16(0); u16(0);
    name(qname); u16(qtype); u16(qclass);
  }
  AnswerBuilder& add_flags(std::uint16_t f) { set16(2, static_cast<std::uint16_t>(get16(2) | f)); return *this; }

  // A record whose owner is written out in full.
  AnswerBuilder& rr(Part part, std::string_view owner, std::uint16_t type, std::uint32_t ttl,
                    std::initializer_list<std::uint8_t> rdata, std::uint16_t cls = 1) {
    name(owner);
    return tail(part, type, ttl, rdata, cls);
  }
  // A record whose owner is a compression pointer to `target`.
  AnswerBuilder& rr_ptr(Part part, std::uint16_t target, std::uint16_t type, std::uint32_t ttl,
                        std::initializer_list<std::uint8_t> rdata, std::uint16_t cls = 1) {
    u16(static_cast<std::uint16_t>(0xC000 | target));
    return tail(part, type, ttl, rdata, cls);
  }
  AnswerBuilder& a(Part part, std::string_view owner, std::uint32_t ttl) { return rr(part, owner, 1, ttl, {192, 0, 2, 1}); }
  AnswerBuilder& a_ptr(Part part, std::uint16_t target, std::uint32_t ttl) { return rr_ptr(part, target, 1, ttl, {192, 0, 2, 1}); }
  // SOA with owner, MNAME and RNAME compressed to the question name.
  AnswerBuilder& soa(std::uint32_t ttl, std::uint32_t minimum, Part part = Part::authority) {
    u16(0xC000 | kQuestionName); u16(6); u16(1);
    ttl_offsets.push_back(bytes.size());
    u32(ttl);
    u16(4 + 20);
    u16(0xC000 | kQuestionName); u16(0xC000 | kQuestionName);
    u32(2024010101); u32(7200); u32(3600); u32(1209600); u32(minimum);
    bump(part);
    return *this;
  }
  AnswerBuilder& opt(bool dnssec_ok = false, std::uint8_t ext_rcode = 0) {
    bytes.push_back(0); u16(41); u16(1232);
    bytes.push_back(ext_rcode); bytes.push_back(0); u16(dnssec_ok ? 0x8000 : 0); u16(0);
    bump(Part::additional);
    return *this;
  }

  AnswerBuilder& name(std::string_view dotted) {
    std::size_t start = 0;
    while (start < dotted.size()) {
      std::size_t dot = dotted.find('.', start);
      if (dot == std::string_view::npos) dot = dotted.size();
      bytes.push_back(static_cast<std::uint8_t>(dot - start));
      bytes.insert(bytes.end(), dotted.begin() + static_cast<long>(start), dotted.begin() + static_cast<long>(dot));
      start = dot + 1;
    }
    bytes.push_back(0);
    return *this;
  }
  void u16(std::uint16_t v) { bytes.push_back(static_cast<std::uint8_t>(v >> 8)); bytes.push_back(static_cast<std::uint8_t>(v)); }
  void u32(std::uint32_t v) { u16(static_cast<std::uint16_t>(v >> 16)); u16(static_cast<std::uint16_t>(v)); }
  void set16(std::size_t at, std::uint16_t v) { bytes[at] = static_cast<std::uint8_t>(v >> 8); bytes[at + 1] = static_cast<std::uint8_t>(v); }
  std::uint16_t get16(std::size_t at) const { return static_cast<std::uint16_t>((bytes[at] << 8) | bytes[at + 1]); }

  std::vector<std::uint8_t> bytes;
  std::vector<std::size_t> ttl_offsets;  // of every record added, in order (OPT excluded)

 private:
  AnswerBuilder& tail(Part part, std::uint16_t type, std::uint32_t ttl, std::initializer_list<std::uint8_t> rdata,
                      std::uint16_t cls) {
    u16(type); u16(cls);
    ttl_offsets.push_back(bytes.size());
    u32(ttl);
    u16(static_cast<std::uint16_t>(rdata.size()));
    bytes.insert(bytes.end(), rdata);
    bump(part);
    return *this;
  }
  void bump(Part part) {
    const std::size_t at = 6 + 2 * static_cast<std::size_t>(part);
    set16(at, static_cast<std::uint16_t>(get16(at) + 1));
  }
};

}  // namespace sprout::test
