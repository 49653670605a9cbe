// Bounded DNS name decoding.
#include "sprout/dns/name.hpp"

namespace sprout::dns {
namespace {

constexpr std::uint8_t kPointerBits = 0xC0;

char lower(std::uint8_t c) noexcept {
  return static_cast<char>((c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c);
}

bool odd_byte(std::uint8_t c) noexcept { return c == '.' || c <= ' ' || c >= 0x7f; }

// Appends one label's bytes to the text form.
void append_label(NameText& out, const std::uint8_t* label, std::uint8_t len) noexcept {
  if (out.labels > 0) out.data[out.length++] = '.';
  for (std::uint8_t i = 0; i < len; ++i) {
    out.odd_bytes = out.odd_bytes || odd_byte(label[i]);
    out.data[out.length++] = lower(label[i]);
  }
  ++out.labels;
}

}  // namespace

NameRead read_name(std::span<const std::uint8_t> msg, std::size_t offset, NameText* out) noexcept {
  NameRead result;
  if (out != nullptr) *out = NameText{};
  std::size_t pos = offset;
  std::size_t wire_length = 1;    // the root byte
  std::size_t limit = offset;     // a pointer must land strictly before this
  // A name reached by a pointer must also end before that pointer: a real earlier name does,
  // and one that runs on over the pointer into later bytes reads differently once those
  // bytes change (Sprout cuts trailing bytes and appends its OPT; found by fuzz_answer).
  std::size_t bound = msg.size();
  bool jumped = false;
  for (;;) {
    if (pos >= msg.size()) return {NameError::truncated, 0};
    if (pos >= bound) return {NameError::bad_pointer, 0};
    const std::uint8_t len = msg[pos];
    if ((len & kPointerBits) == kPointerBits) {
      if (pos + 1 >= msg.size()) return {NameError::truncated, 0};
      const std::size_t target = ((len & 0x3Fu) << 8) | msg[pos + 1];
      if (!jumped) result.end = pos + 2;
      if (target >= limit || target < kHeaderSize) return {NameError::bad_pointer, 0};
      limit = target;
      bound = pos;
      pos = target;
      jumped = true;
      continue;
    }
    if ((len & kPointerBits) != 0) return {NameError::bad_label, 0};  // 0x40/0x80: obsolete
    if (len == 0) {
      if (!jumped) result.end = pos + 1;
      return result;
    }
    if (pos + 1 + len > msg.size()) return {NameError::truncated, 0};
    if (pos + 1 + len > bound) return {NameError::bad_pointer, 0};
    wire_length += 1u + len;
    if (wire_length > kMaxNameWire) return {NameError::too_long, 0};
    if (out != nullptr) append_label(*out, &msg[pos + 1], len);
    pos += 1u + len;
  }
}

}  // namespace sprout::dns
