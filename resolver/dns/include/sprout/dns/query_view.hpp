// A zero-allocation view of an untrusted DNS query: header, question and OPT.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "sprout/dns/client_options.hpp"
#include "sprout/dns/name.hpp"

namespace sprout::dns {

// What to do with a packet that is not a usable query. Each value is a policy decision
// (see parse_query): no answer for non-headers and responses (no reflection), an error
// answer with the ID echoed for everything else.
enum class ParseStatus : std::uint8_t {
  ok,
  drop_short,      // shorter than a header: nothing to echo
  drop_response,   // QR=1: answering would let anyone reflect traffic through us
  notimp,          // opcode other than QUERY
  formerr,         // qdcount != 1, malformed name or record, duplicate OPT
  badvers,         // EDNS version > 0
};

struct QueryView {
  std::span<const std::uint8_t> wire;
  std::uint16_t id = 0;
  std::uint16_t flags = 0;
  NameText qname;                 // canonical lowercase text
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
  std::size_t question_end = 0;   // offset just past the question (0 if not parsed)
  bool has_edns = false;
  bool dnssec_ok = false;
  std::uint8_t edns_version = 0;
  std::uint16_t edns_udp_size = 0;  // as sent by the client
  std::size_t opt_offset = 0;     // offset of the OPT record's root-name byte (0 if none)
  std::size_t opt_rdata = 0;      // offset of the OPT record's options (0 if none)
  std::uint16_t opt_rdlength = 0;
  ClientOptions client_options;   // device identity a router may have added (not yet trusted)

  [[nodiscard]] bool rd() const noexcept { return (flags & kFlagRd) != 0; }
  [[nodiscard]] bool cd() const noexcept { return (flags & kFlagCd) != 0; }
  [[nodiscard]] bool question_parsed() const noexcept { return question_end != 0; }
  // The largest UDP answer this client accepts (RFC 6891 6.2.5: never below 512).
  [[nodiscard]] std::uint16_t max_udp_answer() const noexcept {
    return has_edns && edns_udp_size > kClassicUdpSize ? edns_udp_size : kClassicUdpSize;
  }
};

// Fills `view` from `wire`. Never reads past the buffer, never allocates, never throws.
ParseStatus parse_query(std::span<const std::uint8_t> wire, QueryView& view) noexcept;

}  // namespace sprout::dns
