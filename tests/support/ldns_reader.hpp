// Test support: ldns as the independent reader of DNS messages, with RAII over its C objects.
// Sprout's own parser is what is under test; the tests read what it sends with ldns instead.
#pragma once

#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <string>

// <stdbool.h> first: without __bool_true_false_are_defined, ldns/common.h #defines bool, true
// and false as macros, which breaks C++ code that includes this header.
#include <stdbool.h>  // NOLINT(modernize-deprecated-headers)

#include <ldns/ldns.h>

#include "dns_message.hpp"

namespace sprout::test::ldns {

struct PacketFree {
  void operator()(ldns_pkt* p) const noexcept { ldns_pkt_free(p); }
};
struct RdfFree {
  void operator()(ldns_rdf* r) const noexcept { ldns_rdf_deep_free(r); }
};
struct RrFree {
  void operator()(ldns_rr* r) const noexcept { ldns_rr_free(r); }
};
struct BufferFree {
  void operator()(ldns_buffer* b) const noexcept { ldns_buffer_free(b); }
};
struct CharFree {
  void operator()(char* s) const noexcept { std::free(s); }
};

using Packet = std::unique_ptr<ldns_pkt, PacketFree>;
using Rdf = std::unique_ptr<ldns_rdf, RdfFree>;
using Rr = std::unique_ptr<ldns_rr, RrFree>;
using Buffer = std::unique_ptr<ldns_buffer, BufferFree>;
using CString = std::unique_ptr<char, CharFree>;  // what ldns_*2str return

// ldns_wire2pkt over `wire`; null with `status` set when ldns rejects it.
Packet parse(std::span<const std::uint8_t> wire, ldns_status* status = nullptr);
std::string text(const ldns_pkt* p);  // dig-like presentation of the whole packet
std::string text(const ldns_rdf* r);

}  // namespace sprout::test::ldns

namespace sprout::test {

// What ldns made of some bytes: the message, or why it could not read them.
struct ReadResult {
  std::optional<Message> message;
  std::string error;  // ldns's status text when `message` is empty
};

// Thread-safe (ldns_wire2pkt keeps no state), so worker threads in a test may call these.
ReadResult read_message(std::span<const std::uint8_t> wire);
// The message as ldns reads it, or nullopt when ldns cannot parse the bytes.
std::optional<Message> parse_message(std::span<const std::uint8_t> wire);
// False when ldns reads some record's rdata as another length than its RDLENGTH (ldns reads
// the fields it knows for the type and stops, so extra bytes become the next record): then
// "ldns reads it" says nothing about where the records end. False too when ldns stops before
// the last record (a TSIG that is not last shortens its loop).
bool ldns_reads_in_step(std::span<const std::uint8_t> wire);
// ldns's dig-like text of the message, for failure reports. Not thread-safe: ldns prints a
// timestamp with ctime(), which races on the time zone state (ThreadSanitizer says so).
std::string presentation(std::span<const std::uint8_t> wire);

}  // namespace sprout::test
