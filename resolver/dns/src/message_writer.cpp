// Bounds-checked answer building.
#include "sprout/dns/message_writer.hpp"

#include <algorithm>
#include <cstring>

namespace sprout::dns {

bool MessageWriter::put(std::span<const std::uint8_t> bytes) noexcept {
  if (overflow_ || pos_ + bytes.size() > out_.size()) {
    overflow_ = true;
    return false;
  }
  if (!bytes.empty()) std::memcpy(&out_[pos_], bytes.data(), bytes.size());
  pos_ += bytes.size();
  return true;
}

bool MessageWriter::put16(std::uint16_t v) noexcept {
  const std::uint8_t b[2] = {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
  return put(b);
}

bool MessageWriter::put32(std::uint32_t v) noexcept {
  return put16(static_cast<std::uint16_t>(v >> 16)) && put16(static_cast<std::uint16_t>(v));
}

void MessageWriter::bump_count(std::size_t offset) noexcept {
  if (pos_ >= kHeaderSize) dns::put16(&out_[offset], static_cast<std::uint16_t>(get16(&out_[offset]) + 1));
}

void MessageWriter::start_answer(const QueryView& q, std::uint16_t rcode) noexcept {
  pos_ = 0;
  overflow_ = false;
  const std::uint16_t flags = static_cast<std::uint16_t>(
      kFlagQr | (q.flags & (kOpcodeMask | kFlagRd | kFlagCd)) | kFlagRa | (rcode & kRcodeMask));
  put16(q.id);
  put16(flags);
  put16(q.question_parsed() ? 1 : 0);
  put16(0);
  put16(0);
  put16(0);
  if (q.question_parsed()) put(q.wire.subspan(kHeaderSize, q.question_end - kHeaderSize));
}

void MessageWriter::add_record_at_qname(std::uint16_t type, std::uint32_t ttl,
                                        std::span<const std::uint8_t> rdata) noexcept {
  put16(0xC000 | kHeaderSize);
  put16(type);
  put16(kClassIn);
  put32(ttl);
  put16(static_cast<std::uint16_t>(rdata.size()));
  put(rdata);
  bump_count(kOffAn);
}

void MessageWriter::add_opt(const QueryView& q, std::uint16_t ext_rcode) noexcept {
  if (!q.has_edns) return;
  const std::uint8_t root = 0;
  put(std::span(&root, 1));
  put16(static_cast<std::uint16_t>(RrType::opt));
  put16(kMaxForwardUdpSize);
  put32((std::uint32_t{static_cast<std::uint8_t>(ext_rcode >> 4)} << 24) | (q.dnssec_ok ? kEdnsDo : 0));
  put16(0);
  bump_count(kOffAr);
}

std::size_t write_error(const QueryView& q, std::uint16_t rcode, std::span<std::uint8_t> out) noexcept {
  MessageWriter w(out);
  w.start_answer(q, rcode);
  w.add_opt(q, rcode);
  return w.size();
}

std::size_t truncate_answer(const QueryView& q, std::span<std::uint8_t> answer) noexcept {
  if (answer.size() < kHeaderSize) return 0;
  const std::uint16_t rcode = get16(&answer[kOffFlags]) & kRcodeMask;
  const std::uint16_t flags = get16(&answer[kOffFlags]);
  MessageWriter w(answer);
  // The question bytes come from the client's buffer, never from `answer`, so writing over
  // `answer` from its start is safe.
  w.start_answer(q, rcode);
  if (w.size() >= kHeaderSize) put16(&answer[kOffFlags], static_cast<std::uint16_t>(flags | kFlagTc));
  w.add_opt(q, 0);
  return w.size();
}

bool answers_question(std::span<const std::uint8_t> answer, std::string_view qname, std::uint16_t qtype,
                      std::uint16_t qclass, std::size_t* question_end) noexcept {
  if (answer.size() < kHeaderSize) return false;
  // Only standard queries go upstream: a message with another opcode answers something else.
  const std::uint16_t flags = get16(&answer[kOffFlags]);
  if ((flags & kFlagQr) == 0 || (flags & kOpcodeMask) != 0 || get16(&answer[kOffQd]) != 1) return false;
  NameText name;
  const NameRead read = read_name(answer, kHeaderSize, &name);
  if (read.error != NameError::ok || read.end + 4 > answer.size()) return false;
  if (name.view() != qname) return false;  // both canonical lowercase
  if (get16(&answer[read.end]) != qtype || get16(&answer[read.end + 2]) != qclass) return false;
  if (question_end != nullptr) *question_end = read.end + 4;
  return true;
}

bool restore_client_view(const QueryView& q, std::span<std::uint8_t> answer) noexcept {
  std::size_t end = 0;
  if (!q.question_parsed() || !answers_question(answer, q.qname.view(), q.qtype, q.qclass, &end)) return false;
  if (end != q.question_end) return false;  // same name, so only a compression pointer could differ
  put16(&answer[kOffId], q.id);
  std::copy(q.wire.begin() + kHeaderSize, q.wire.begin() + static_cast<long>(q.question_end),
            answer.begin() + kHeaderSize);
  return true;
}

}  // namespace sprout::dns
