#include "message_builder.hpp"

namespace sprout::test {

MessageBuilder::MessageBuilder(std::uint16_t id, std::uint16_t flags) {
  u16(id);
  u16(flags);
  for (int i = 0; i < 4; ++i) u16(0);
}

MessageBuilder MessageBuilder::query(std::string_view name, std::uint16_t qtype, std::uint16_t id) {
  MessageBuilder b(id, flag::kRd);
  b.question(name, qtype);
  return b;
}

MessageBuilder MessageBuilder::answer(std::string_view qname, std::uint16_t qtype, int rcode, std::uint16_t qclass) {
  MessageBuilder b(0x1234, static_cast<std::uint16_t>(flag::kQr | flag::kRd | flag::kRa | (rcode & 0xF)));
  b.question(qname, qtype, qclass);
  return b;
}

MessageBuilder& MessageBuilder::question(std::string_view name, std::uint16_t qtype, std::uint16_t qclass) {
  this->name(name);
  u16(qtype);
  u16(qclass);
  bump(Section::question);
  return *this;
}

MessageBuilder& MessageBuilder::rr(Section s, std::string_view owner, std::uint16_t type, std::uint32_t ttl,
                                   std::span<const std::uint8_t> rdata, std::uint16_t cls) {
  name(owner);
  return tail(s, type, ttl, rdata, cls);
}

MessageBuilder& MessageBuilder::rr_ptr(Section s, std::uint16_t target, std::uint16_t type, std::uint32_t ttl,
                                       std::span<const std::uint8_t> rdata, std::uint16_t cls) {
  u16(static_cast<std::uint16_t>(0xC000 | target));
  return tail(s, type, ttl, rdata, cls);
}

MessageBuilder& MessageBuilder::soa(std::uint32_t ttl, std::uint32_t minimum, Section s) {
  constexpr std::uint16_t kPointer = 0xC000 | kQuestionName;
  u16(kPointer);
  u16(rr_type::kSoa);
  u16(1);
  ttl_offsets.push_back(bytes.size());
  u32(ttl);
  u16(4 + 20);
  u16(kPointer);  // MNAME
  u16(kPointer);  // RNAME
  u32(2024010101);
  u32(7200);
  u32(3600);
  u32(1209600);
  u32(minimum);
  bump(s);
  return *this;
}

MessageBuilder& MessageBuilder::opt(const Edns& e) {
  bytes.push_back(0);
  u16(rr_type::kOpt);
  u16(e.udp_size);
  bytes.push_back(e.extended_rcode);
  bytes.push_back(e.version);
  u16(e.dnssec_ok ? 0x8000 : 0);
  std::size_t length = 0;
  for (const auto& o : e.options) length += 4 + o.data.size();
  u16(static_cast<std::uint16_t>(length));
  for (const auto& o : e.options) {
    u16(o.code);
    u16(static_cast<std::uint16_t>(o.data.size()));
    bytes.insert(bytes.end(), o.data.begin(), o.data.end());
  }
  bump(Section::additional);
  return *this;
}

MessageBuilder& MessageBuilder::name(std::string_view dotted) {
  std::size_t start = 0;
  while (start < dotted.size()) {
    std::size_t dot = dotted.find('.', start);
    if (dot == std::string_view::npos) dot = dotted.size();
    bytes.push_back(static_cast<std::uint8_t>(dot - start));
    bytes.insert(bytes.end(), dotted.begin() + static_cast<std::ptrdiff_t>(start),
                 dotted.begin() + static_cast<std::ptrdiff_t>(dot));
    start = dot + 1;
  }
  bytes.push_back(0);
  return *this;
}

MessageBuilder& MessageBuilder::u16(std::uint16_t v) {
  bytes.push_back(static_cast<std::uint8_t>(v >> 8));
  bytes.push_back(static_cast<std::uint8_t>(v));
  return *this;
}

MessageBuilder& MessageBuilder::u32(std::uint32_t v) {
  u16(static_cast<std::uint16_t>(v >> 16));
  return u16(static_cast<std::uint16_t>(v));
}

MessageBuilder& MessageBuilder::set16(std::size_t at, std::uint16_t v) {
  bytes[at] = static_cast<std::uint8_t>(v >> 8);
  bytes[at + 1] = static_cast<std::uint8_t>(v);
  return *this;
}

MessageBuilder& MessageBuilder::tail(Section s, std::uint16_t type, std::uint32_t ttl,
                                     std::span<const std::uint8_t> rdata, std::uint16_t cls) {
  u16(type);
  u16(cls);
  ttl_offsets.push_back(bytes.size());
  u32(ttl);
  u16(static_cast<std::uint16_t>(rdata.size()));
  bytes.insert(bytes.end(), rdata.begin(), rdata.end());
  bump(s);
  return *this;
}

}  // namespace sprout::test
