// One zone transfer (AXFR or IXFR, RFC 5936 / 1995) as data: the request, built and TSIG-signed
// with ldns, and a reader that checks every response message (ID, TSIG MAC and time, size cap)
// and turns the record stream into a complete zone or the deltas to apply. No I/O here.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sprout/config/config.hpp"
#include "sprout/transfer/rpz_zone.hpp"

namespace sprout::transfer {

// RFC 1982 serial arithmetic: true when `a` is after `b` (undefined pairs count as not).
bool serial_after(std::uint32_t a, std::uint32_t b) noexcept;

struct Request {
  std::vector<std::uint8_t> wire;  // without the TCP length prefix
  std::uint16_t id = 0;
  std::vector<std::uint8_t> mac;   // the request's TSIG MAC (empty unsigned)
  bool ixfr = false;
};

// An IXFR from `current` when there is one, else an AXFR; signed when `key` is set.
Request make_request(const std::string& zone, const std::optional<config::TsigKey>& key, const RpzZone* current, std::chrono::system_clock::time_point now);

enum class Outcome { more, up_to_date, full_zone, incremental, failed };

// Reads the messages of one response stream in order.
class ResponseReader {
 public:
  // `current` (null: none) must outlive the reader; an IXFR is read as a delta against it.
  ResponseReader(const std::string& zone, const std::optional<config::TsigKey>& key, const Request& request,
                 const RpzZone* current, std::uint64_t max_bytes);
  ~ResponseReader();
  ResponseReader(const ResponseReader&) = delete;
  ResponseReader& operator=(const ResponseReader&) = delete;

  // One message (without its length prefix). `more` asks for the next one; anything else is
  // the end (failed: error() says why, the stream must be dropped).
  Outcome add(const std::uint8_t* wire, std::size_t size, std::chrono::system_clock::time_point now);
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  // After full_zone or incremental: the new zone (for incremental a copy of `current` with
  // the delta applied: tools and tests; the follower applies take_delta() in place).
  [[nodiscard]] RpzZone take_zone();
  // After incremental: what changed.
  [[nodiscard]] ZoneDelta take_delta();
  [[nodiscard]] std::size_t messages() const noexcept { return messages_; }

 private:
  struct Impl;
  Impl* impl_;
  std::string error_;
  std::size_t messages_ = 0;
};

}  // namespace sprout::transfer
