// Building DNS answers into a caller-owned buffer: bounds-checked, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "sprout/dns/query_view.hpp"

namespace sprout::dns {

class MessageWriter {
 public:
  explicit MessageWriter(std::span<std::uint8_t> out) noexcept : out_(out) {}

  // Header answering `q` (ID, opcode, RD echoed; QR and RA set) and its question copied
  // verbatim from the client's wire bytes when it was parsed.
  void start_answer(const QueryView& q, std::uint16_t rcode) noexcept;
  // A resource record owned by the question name (compressed pointer to offset 12).
  void add_record_at_qname(std::uint16_t type, std::uint32_t ttl, std::span<const std::uint8_t> rdata) noexcept;
  // An OPT record mirroring the client's EDNS (if it sent one), with an extended rcode.
  void add_opt(const QueryView& q, std::uint16_t ext_rcode) noexcept;
  void bump_count(std::size_t offset) noexcept;

  [[nodiscard]] bool overflowed() const noexcept { return overflow_; }
  [[nodiscard]] std::size_t size() const noexcept { return overflow_ ? 0 : pos_; }
  [[nodiscard]] std::span<std::uint8_t> bytes() noexcept { return out_.first(size()); }

  bool put(std::span<const std::uint8_t> bytes) noexcept;
  bool put16(std::uint16_t v) noexcept;
  bool put32(std::uint32_t v) noexcept;

 private:
  std::span<std::uint8_t> out_;
  std::size_t pos_ = 0;
  bool overflow_ = false;
};

// An error answer (FORMERR, SERVFAIL, REFUSED, NOTIMP, or BADVERS when ext_rcode = 16) for
// `q`; returns its size (0 if `out` is too small).
std::size_t write_error(const QueryView& q, std::uint16_t rcode, std::span<std::uint8_t> out) noexcept;

// Rewrites an oversized answer in place as header + question (+ OPT) with TC=1, so the
// client retries over TCP (RFC 7766 / RFC 6891). Returns the new size.
std::size_t truncate_answer(const QueryView& q, std::span<std::uint8_t> answer) noexcept;

// True when `answer` is a response (QR set) to a standard query (opcode QUERY: the only one
// Sprout forwards) whose one question is qname (canonical
// lowercase; compared ignoring case), qtype and qclass. Sets *question_end when given.
bool answers_question(std::span<const std::uint8_t> answer, std::string_view qname, std::uint16_t qtype,
                      std::uint16_t qclass, std::size_t* question_end = nullptr) noexcept;

// Checks an upstream answer against the client's question (QR set, same type, class and name
// ignoring case) and restores the client's ID and question bytes. False means discard it.
bool restore_client_view(const QueryView& q, std::span<std::uint8_t> answer) noexcept;

}  // namespace sprout::dns
