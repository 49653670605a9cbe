// Test support: checks an answer, as ldns reads it, against what the test expected of it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dns_message.hpp"
#include "ldns_reader.hpp"

namespace sprout::test {

// What a test expects of an answer; fields left unset are not checked.
struct Expect {
  std::optional<std::uint16_t> id = std::nullopt;
  std::optional<int> rcode = std::nullopt;  // the full rcode: header bits extended by the OPT record
  std::optional<int> opcode = std::nullopt;
  std::optional<bool> qr = true;  // an answer, unless a test says otherwise
  std::optional<bool> aa = std::nullopt;
  std::optional<bool> tc = std::nullopt;
  std::optional<bool> rd = std::nullopt;
  std::optional<bool> ra = std::nullopt;  // Header counts as sent: arcount includes the OPT record.
  std::optional<std::uint16_t> qdcount = std::nullopt;
  std::optional<std::uint16_t> ancount = std::nullopt;
  std::optional<std::uint16_t> nscount = std::nullopt;
  std::optional<std::uint16_t> arcount = std::nullopt;
  std::optional<bool> opt = std::nullopt;  // an OPT record is present
  std::optional<std::uint16_t> udp_size = std::nullopt;  // the UDP payload size the OPT record advertises
  std::optional<std::size_t> max_size = std::nullopt;  // the message fits in this many bytes (a UDP limit)
  std::optional<std::string> qname = std::nullopt;  // the question echoed, spelled exactly so
  std::optional<std::uint16_t> qtype = std::nullopt;
  std::optional<std::uint16_t> ede = std::nullopt;  // the Extended DNS Error info-code (RFC 8914)
};

// What any reply to `query` owes it: the ID, opcode and RD copied and QR set (RFC 1035
// 4.1.1); when ldns can read the query, its question echoed as spelled and an OPT record if
// and only if the query carried one (RFC 6891 7).
Expect reply_to(std::span<const std::uint8_t> query);
// The largest UDP answer the sender of `query` accepts: its EDNS size, never under 512.
std::size_t udp_limit(std::span<const std::uint8_t> query);
// Whether `query` carries an OPT record (then, and only then, the reply carries one: RFC 6891 7).
bool has_opt(std::span<const std::uint8_t> query);

class AnswerCheck {
 public:
  AnswerCheck(std::span<const std::uint8_t> wire, ReadResult read, std::vector<std::string> problems);
  [[nodiscard]] bool parsed() const { return read_.message.has_value(); }
  [[nodiscard]] bool ok() const { return parsed() && problems_.empty(); }
  [[nodiscard]] const std::vector<std::string>& problems() const { return problems_; }
  [[nodiscard]] const Message& message() const { return *read_.message; }  // only when parsed()
  // Every problem, then ldns's text of the packet (or why it could not read it) and the bytes.
  // On the test's own thread only (see presentation()).
  [[nodiscard]] std::string report() const;

 private:
  Bytes wire_;
  ReadResult read_;
  std::vector<std::string> problems_;
};

// Parses `wire` with ldns and compares it with `expect`. Whatever is expected, an answer
// may hold at most one OPT record, and only in the additional section (RFC 6891 6.1.1).
AnswerCheck check_answer(std::span<const std::uint8_t> wire, const Expect& expect = {});

}  // namespace sprout::test
