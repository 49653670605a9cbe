// Test support: writes DNS messages byte by byte: queries and answers, compression pointers,
// and deliberately malformed ones (wrong counts, truncated fields, bad labels).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

#include "dns_message.hpp"

namespace sprout::test {

enum class Section : std::uint8_t { question, answer, authority, additional };

// Every helper that adds a whole question or record also bumps its section's count; the
// raw writers (name, raw, u16, u32) never touch the header, so counts can be made to lie.
class MessageBuilder {
 public:
  static constexpr std::uint16_t kQuestionName = 12;  // offset of the first question's name, for pointers

  // A header with the given ID and flags and every count zero.
  explicit MessageBuilder(std::uint16_t id = 0x1234, std::uint16_t flags = flag::kRd);

  // A query: header (RD set) and one question.
  static MessageBuilder query(std::string_view name, std::uint16_t qtype = rr_type::kA, std::uint16_t id = 0x1234);
  // An upstream answer's header (QR RD RA + rcode) and its question; add records after it.
  static MessageBuilder answer(std::string_view qname, std::uint16_t qtype = rr_type::kA, int rcode = rcode::kNoError,
                               std::uint16_t qclass = 1);

  MessageBuilder& id(std::uint16_t v) { return set16(0, v); }
  MessageBuilder& flags(std::uint16_t v) { return set16(2, v); }
  MessageBuilder& add_flags(std::uint16_t f) { return set16(2, static_cast<std::uint16_t>(get16(2) | f)); }
  MessageBuilder& opcode(int op) {
    return set16(2, static_cast<std::uint16_t>((get16(2) & ~0x7800) | ((op & 0xF) << 11)));
  }
  // Sets a header count to any value, whatever follows (for malformed messages).
  MessageBuilder& count(Section s, std::uint16_t n) { return set16(count_offset(s), n); }

  MessageBuilder& question(std::string_view name, std::uint16_t qtype = rr_type::kA, std::uint16_t qclass = 1);
  // A record whose owner is written out in full.
  MessageBuilder& rr(Section s, std::string_view owner, std::uint16_t type, std::uint32_t ttl,
                     std::span<const std::uint8_t> rdata, std::uint16_t cls = 1);
  MessageBuilder& rr(Section s, std::string_view owner, std::uint16_t type, std::uint32_t ttl,
                     std::initializer_list<std::uint8_t> rdata, std::uint16_t cls = 1) {
    return rr(s, owner, type, ttl, std::span<const std::uint8_t>(rdata.begin(), rdata.size()), cls);
  }
  // A record whose owner is a compression pointer to `target`.
  MessageBuilder& rr_ptr(Section s, std::uint16_t target, std::uint16_t type, std::uint32_t ttl,
                         std::span<const std::uint8_t> rdata, std::uint16_t cls = 1);
  MessageBuilder& rr_ptr(Section s, std::uint16_t target, std::uint16_t type, std::uint32_t ttl,
                         std::initializer_list<std::uint8_t> rdata, std::uint16_t cls = 1) {
    return rr_ptr(s, target, type, ttl, std::span<const std::uint8_t>(rdata.begin(), rdata.size()), cls);
  }
  MessageBuilder& a(Section s, std::string_view owner, std::uint32_t ttl) {
    return rr(s, owner, rr_type::kA, ttl, {192, 0, 2, 1});
  }
  MessageBuilder& a_ptr(Section s, std::uint16_t target, std::uint32_t ttl) {
    return rr_ptr(s, target, rr_type::kA, ttl, {192, 0, 2, 1});
  }
  // SOA with owner, MNAME and RNAME compressed to the question name.
  MessageBuilder& soa(std::uint32_t ttl, std::uint32_t minimum, Section s = Section::authority);
  // The OPT record (root owner) in the additional section.
  MessageBuilder& opt(const Edns& e = {});

  // Raw writers: bytes only, the header is left as it is.
  MessageBuilder& name(std::string_view dotted);  // labels as given, no length checks
  MessageBuilder& raw(std::initializer_list<std::uint8_t> b) {
    bytes.insert(bytes.end(), b);
    return *this;
  }
  MessageBuilder& u16(std::uint16_t v);
  MessageBuilder& u32(std::uint32_t v);
  MessageBuilder& set16(std::size_t at, std::uint16_t v);
  [[nodiscard]] std::uint16_t get16(std::size_t at) const {
    return static_cast<std::uint16_t>((bytes[at] << 8) | bytes[at + 1]);
  }

  Bytes bytes;
  std::vector<std::size_t> ttl_offsets;  // of every record added, in order (OPT excluded)

 private:
  static std::size_t count_offset(Section s) { return 4 + 2 * static_cast<std::size_t>(s); }
  MessageBuilder& tail(Section s, std::uint16_t type, std::uint32_t ttl, std::span<const std::uint8_t> rdata,
                       std::uint16_t cls);
  void bump(Section s) { set16(count_offset(s), static_cast<std::uint16_t>(get16(count_offset(s)) + 1)); }
};

}  // namespace sprout::test
