// Minimal DNS wire encoder/decoder for end-to-end tests and the fake upstream (no external libs).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sprout::e2e {

using Bytes = std::vector<std::uint8_t>;

namespace rr_type {
inline constexpr std::uint16_t kA = 1;
inline constexpr std::uint16_t kCname = 5;
inline constexpr std::uint16_t kAaaa = 28;
inline constexpr std::uint16_t kHttps = 65;
inline constexpr std::uint16_t kOpt = 41;
}  // namespace rr_type

namespace rcode {
inline constexpr int kNoError = 0;
inline constexpr int kFormErr = 1;
inline constexpr int kServFail = 2;
inline constexpr int kNxDomain = 3;
inline constexpr int kNotImp = 4;
inline constexpr int kRefused = 5;
inline constexpr int kBadVers = 16;
}  // namespace rcode

struct Question {
  std::string name;  // dotted, with trailing dot; case preserved
  std::uint16_t qtype = rr_type::kA;
  std::uint16_t qclass = 1;
};

struct ResourceRecord {
  std::string name;
  std::uint16_t type = rr_type::kA;
  std::uint16_t klass = 1;  // for OPT: the UDP payload size
  std::uint32_t ttl = 0;    // for OPT: extended rcode, version, flags
  Bytes rdata;
};

struct EdnsOptions {
  std::uint16_t payload = 1232;
  std::uint8_t version = 0;
  bool dnssec_ok = false;
};

struct Message {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;
  std::vector<Question> questions;
  std::vector<ResourceRecord> answers;
  std::vector<ResourceRecord> authority;
  std::vector<ResourceRecord> additional;

  [[nodiscard]] bool qr() const { return (flags & 0x8000) != 0; }
  [[nodiscard]] bool tc() const { return (flags & 0x0200) != 0; }
  [[nodiscard]] int opcode() const { return (flags >> 11) & 0xF; }
  [[nodiscard]] int header_rcode() const { return flags & 0xF; }
  [[nodiscard]] const ResourceRecord* opt() const;
  [[nodiscard]] int rcode() const;  // header rcode extended by the OPT record, if any
  [[nodiscard]] std::vector<std::string> answer_ips() const;  // A/AAAA rdata as text
};

// Encodes a dotted name (no compression); returns false on a bad label or length.
bool append_name(Bytes& out, std::string_view name);
// Reads a possibly compressed name at `offset`; advances it past the name in place.
std::optional<std::string> read_name(std::span<const std::uint8_t> wire, std::size_t& offset);

Bytes encode_message(const Message& m);
std::optional<Message> parse_message(std::span<const std::uint8_t> wire);

ResourceRecord make_opt(const EdnsOptions& edns);
ResourceRecord make_a(std::string_view name, std::string_view ipv4, std::uint32_t ttl);
ResourceRecord make_aaaa(std::string_view name, std::string_view ipv6, std::uint32_t ttl);
Bytes build_query(std::uint16_t id, std::string_view name, std::uint16_t qtype,
                  std::optional<EdnsOptions> edns = std::nullopt);

std::string type_to_string(std::uint16_t type);
std::string rcode_to_string(int rc);
bool names_equal(std::string_view a, std::string_view b);  // ASCII case-insensitive

}  // namespace sprout::e2e
