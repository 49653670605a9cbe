// Test support: a DNS message as plain data (what tests build and what ldns reads back), its names and constants.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sprout::test {

using Bytes = std::vector<std::uint8_t>;

namespace rr_type {
inline constexpr std::uint16_t kA = 1;
inline constexpr std::uint16_t kNs = 2;
inline constexpr std::uint16_t kCname = 5;
inline constexpr std::uint16_t kSoa = 6;
inline constexpr std::uint16_t kPtr = 12;
inline constexpr std::uint16_t kMx = 15;
inline constexpr std::uint16_t kTxt = 16;
inline constexpr std::uint16_t kAaaa = 28;
inline constexpr std::uint16_t kSrv = 33;
inline constexpr std::uint16_t kOpt = 41;
inline constexpr std::uint16_t kSvcb = 64;
inline constexpr std::uint16_t kHttps = 65;
}  // namespace rr_type

namespace rcode {
inline constexpr int kNoError = 0;
inline constexpr int kFormErr = 1;
inline constexpr int kServFail = 2;
inline constexpr int kNxDomain = 3;
inline constexpr int kNotImp = 4;
inline constexpr int kRefused = 5;
inline constexpr int kBadVers = 16;  // extended: needs the OPT record's upper bits
}  // namespace rcode

namespace flag {
inline constexpr std::uint16_t kQr = 0x8000;
inline constexpr std::uint16_t kAa = 0x0400;
inline constexpr std::uint16_t kTc = 0x0200;
inline constexpr std::uint16_t kRd = 0x0100;
inline constexpr std::uint16_t kRa = 0x0080;
inline constexpr std::uint16_t kAd = 0x0020;
inline constexpr std::uint16_t kCd = 0x0010;
}  // namespace flag

namespace ede {
inline constexpr std::uint16_t kOptionCode = 15;  // RFC 8914
inline constexpr std::uint16_t kBlocked = 15;
}  // namespace ede

struct Question {
  std::string name;  // dotted, with the trailing dot; case as on the wire
  std::uint16_t qtype = rr_type::kA;
  std::uint16_t qclass = 1;
};

struct ResourceRecord {
  std::string name;
  std::uint16_t type = rr_type::kA;
  std::uint16_t klass = 1;
  std::uint32_t ttl = 0;
  Bytes rdata;       // uncompressed wire form
  std::string data;  // rdata as presentation text ("192.0.2.1", "target.example."); filled by the reader
};

struct EdnsOption {
  std::uint16_t code = 0;
  Bytes data;
};

// The OPT pseudo-record (RFC 6891), kept apart from the additional section.
struct Edns {
  std::uint16_t udp_size = 1232;
  std::uint8_t version = 0;
  bool dnssec_ok = false;
  std::uint8_t extended_rcode = 0;  // upper 8 bits of the 12-bit rcode
  std::vector<EdnsOption> options = {};
};

// RFC 8914 Extended DNS Error, as carried in an OPT option.
struct ExtendedError {
  std::uint16_t info_code = 0;
  std::string text;
};

struct Message {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;
  std::vector<Question> questions;
  std::vector<ResourceRecord> answers;
  std::vector<ResourceRecord> authority;
  std::vector<ResourceRecord> additional;  // never the OPT record: see `edns`
  std::optional<Edns> edns;
  std::size_t opt_records = 0;             // OPT records read (more than one is a FORMERR)

  [[nodiscard]] bool qr() const { return (flags & flag::kQr) != 0; }
  [[nodiscard]] bool aa() const { return (flags & flag::kAa) != 0; }
  [[nodiscard]] bool tc() const { return (flags & flag::kTc) != 0; }
  [[nodiscard]] bool rd() const { return (flags & flag::kRd) != 0; }
  [[nodiscard]] bool ra() const { return (flags & flag::kRa) != 0; }
  [[nodiscard]] int opcode() const { return (flags >> 11) & 0xF; }
  [[nodiscard]] int header_rcode() const { return flags & 0xF; }
  [[nodiscard]] int rcode() const;  // header rcode extended by the OPT record, if any
  [[nodiscard]] std::vector<std::string> answer_ips() const;                  // A/AAAA as text
  [[nodiscard]] std::vector<std::string> answer_data(std::uint16_t type) const;  // rdata text of that type
  [[nodiscard]] std::optional<ExtendedError> extended_error() const;
};

// Encodes a dotted name (no compression); false on an empty or long label or name.
bool append_name(Bytes& out, std::string_view name);
// Encodes `m` without compression; the OPT record (from `edns`) goes last in the additional section.
Bytes encode(const Message& m);

ResourceRecord make_a(std::string_view name, std::string_view ipv4, std::uint32_t ttl);
ResourceRecord make_aaaa(std::string_view name, std::string_view ipv6, std::uint32_t ttl);
ResourceRecord make_cname(std::string_view name, std::string_view target, std::uint32_t ttl);
// A well-formed query with RD set, with an OPT record when `edns` is given.
Bytes build_query(std::uint16_t id, std::string_view name, std::uint16_t qtype,
                  std::optional<Edns> edns = std::nullopt);

std::string type_to_string(std::uint16_t type);
std::string rcode_to_string(int rc);
bool names_equal(std::string_view a, std::string_view b);  // ASCII case-insensitive
std::string hex_dump(std::span<const std::uint8_t> bytes, std::size_t max = 256);

}  // namespace sprout::test
