// SafeSearch-style rewrites: the client asked for one name, upstream was asked for another.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "sprout/dns/query_view.hpp"

namespace sprout::dns {

// Writes `target` (dotted text, no trailing dot) in wire form; returns bytes written, 0 if
// it does not fit or a label is empty or too long.
std::size_t write_wire_name(std::string_view target, std::span<std::uint8_t> out) noexcept;

// The query sent upstream in place of the client's: same ID, flags, type, class and EDNS
// (UDP size capped), but asking for `target`. Returns its size (0 on failure).
std::size_t write_rewritten_query(const QueryView& q, std::string_view target, std::span<std::uint8_t> out) noexcept;

// The client's answer: its question, `qname CNAME target` and the target's answer records
// from `upstream` (names decompressed, so the copy is valid at its new offsets), with the
// upstream rcode. Returns its size, 0 when `upstream` is malformed or `out` too small.
std::size_t write_cname_answer(const QueryView& q, std::string_view target, std::uint32_t cname_ttl,
                               std::span<const std::uint8_t> upstream, std::span<std::uint8_t> out) noexcept;

}  // namespace sprout::dns
