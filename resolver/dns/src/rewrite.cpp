// Rewritten queries and the CNAME answers built from their upstream replies.
#include "sprout/dns/rewrite.hpp"

#include <algorithm>

#include "sprout/dns/message_writer.hpp"

namespace sprout::dns {
namespace {

bool has_name_rdata(std::uint16_t type) noexcept {
  return type == static_cast<std::uint16_t>(RrType::cname) || type == static_cast<std::uint16_t>(RrType::ns) ||
         type == static_cast<std::uint16_t>(RrType::ptr);
}

bool put_name(MessageWriter& w, const NameText& name) noexcept {
  std::uint8_t buf[kMaxNameWire];
  const std::size_t n = write_wire_name(name.view(), buf);
  return n != 0 && w.put(std::span(buf, n));
}

// Copies one answer record at `pos` of `up`; returns the offset after it (0 on error).
std::size_t copy_record(std::span<const std::uint8_t> up, std::size_t pos, MessageWriter& w) noexcept {
  NameText owner;
  const NameRead o = read_name(up, pos, &owner);
  if (o.error != NameError::ok || o.end + 10 > up.size()) return 0;
  const std::uint16_t type = get16(&up[o.end]);
  const std::size_t rdlength = get16(&up[o.end + 8]);
  const std::size_t rdata = o.end + 10;
  if (rdata + rdlength > up.size()) return 0;
  if (!put_name(w, owner) || !w.put(up.subspan(o.end, 8))) return 0;
  if (has_name_rdata(type)) {
    NameText target;
    if (read_name(up, rdata, &target).error != NameError::ok) return 0;
    std::uint8_t buf[kMaxNameWire];
    const std::size_t n = write_wire_name(target.view(), buf);
    if (n == 0 || !w.put16(static_cast<std::uint16_t>(n)) || !w.put(std::span(buf, n))) return 0;
  } else if (!w.put16(static_cast<std::uint16_t>(rdlength)) || !w.put(up.subspan(rdata, rdlength))) {
    return 0;
  }
  w.bump_count(kOffAn);
  return rdata + rdlength;
}

}  // namespace

std::size_t write_wire_name(std::string_view target, std::span<std::uint8_t> out) noexcept {
  std::size_t pos = 0;
  while (!target.empty()) {
    const std::size_t dot = std::min(target.find('.'), target.size());
    if (dot == 0 || dot > 63 || pos + 1 + dot + 1 > out.size()) return 0;
    out[pos++] = static_cast<std::uint8_t>(dot);
    std::copy_n(target.data(), dot, out.begin() + static_cast<long>(pos));
    pos += dot;
    target.remove_prefix(std::min(dot + 1, target.size()));
  }
  if (pos + 1 > out.size()) return 0;
  out[pos++] = 0;
  return pos;
}

std::size_t write_rewritten_query(const QueryView& q, std::string_view target, std::span<std::uint8_t> out) noexcept {
  MessageWriter w(out);
  w.put16(q.id);
  w.put16(q.flags);
  for (std::uint16_t count : {1, 0, 0, 0}) w.put16(count);
  std::uint8_t name[kMaxNameWire];
  const std::size_t n = write_wire_name(target, name);
  if (n == 0 || !w.put(std::span(name, n))) return 0;
  w.put16(q.qtype);
  w.put16(q.qclass);
  w.add_opt(q, 0);  // advertises kMaxForwardUdpSize, mirrors DO
  return w.size();
}

std::size_t write_cname_answer(const QueryView& q, std::string_view target, std::uint32_t cname_ttl,
                               std::span<const std::uint8_t> up, std::span<std::uint8_t> out) noexcept {
  if (up.size() < kHeaderSize || get16(&up[kOffQd]) != 1) return 0;
  const NameRead question = skip_name(up, kHeaderSize);
  if (question.error != NameError::ok || question.end + 4 > up.size()) return 0;
  MessageWriter w(out);
  w.start_answer(q, get16(&up[kOffFlags]) & kRcodeMask);
  std::uint8_t name[kMaxNameWire];
  const std::size_t n = write_wire_name(target, name);
  if (n == 0) return 0;
  w.add_record_at_qname(static_cast<std::uint16_t>(RrType::cname), cname_ttl, std::span(name, n));
  std::size_t pos = question.end + 4;
  for (std::uint16_t i = 0, count = get16(&up[kOffAn]); i < count; ++i) {
    pos = copy_record(up, pos, w);
    if (pos == 0) return 0;
  }
  w.add_opt(q, 0);
  return w.size();
}

}  // namespace sprout::dns
