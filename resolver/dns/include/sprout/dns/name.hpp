// Reading DNS names from untrusted wire data: bounded, compression-aware, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "sprout/dns/wire.hpp"

namespace sprout::dns {

enum class NameError : std::uint8_t { ok, truncated, bad_label, bad_pointer, too_long };

// A name in canonical text form: lowercase, labels joined by '.', no trailing dot; the root
// is the empty string. Fixed storage so parsing never allocates.
struct NameText {
  char data[kMaxNameText + 1] = {};
  std::uint8_t length = 0;
  std::uint8_t labels = 0;
  bool odd_bytes = false;  // a label held '.', a control byte or a space: text is ambiguous
  [[nodiscard]] std::string_view view() const noexcept { return {data, length}; }
};

struct NameRead {
  NameError error = NameError::ok;
  std::size_t end = 0;  // offset just past the name where it sits (not where pointers led)
};

// Reads the name at `offset` of `msg`. Pointers must point strictly backwards (which rules out
// loops) and stay inside the message; the expanded wire form must fit 255 bytes. `out` may be
// null when only the end offset is needed.
NameRead read_name(std::span<const std::uint8_t> msg, std::size_t offset, NameText* out) noexcept;

// Skips a name without decoding it (same validation).
inline NameRead skip_name(std::span<const std::uint8_t> msg, std::size_t offset) noexcept {
  return read_name(msg, offset, nullptr);
}

}  // namespace sprout::dns
