// Internal: the MAC of a signed transfer message that follows unsigned ones (RFC 8945 5.3.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "sprout/config/config.hpp"

// Last: ldns defines `bool` as a macro that breaks standard headers included after it.
#include <ldns/ldns.h>

namespace sprout::transfer::detail {

// A primary may sign only every Nth message of a transfer (NSD: about every 96th); the next
// signed message's MAC covers the previous MAC, every unsigned message since, whole, then
// itself without its TSIG record, then the TSIG timers. ldns_pkt_tsig_verify_next digests a
// single message, so across a gap the digest is ours: an OpenSSL HMAC over those bytes,
// built up as the unsigned messages arrive (nothing of them is kept).
class TsigGap {
 public:
  TsigGap();
  ~TsigGap();
  TsigGap(const TsigGap&) = delete;
  TsigGap& operator=(const TsigGap&) = delete;

  // Opens a gap after a signed message whose MAC rdata (length-prefixed, as ldns holds it)
  // is `prior_mac`. False when the key cannot be used.
  bool open(const config::TsigKey& key, const ldns_rdf* prior_mac);
  void add_unsigned(const std::uint8_t* wire, std::size_t size);
  [[nodiscard]] std::size_t unsigned_count() const noexcept { return count_; }
  // The signed message closing the gap (its TSIG parsed as `tsig`): true when the MAC is right.
  // The gap is closed either way.
  bool close(const std::uint8_t* wire, std::size_t size, const ldns_rr* tsig);

 private:
  struct Mac;
  std::unique_ptr<Mac> mac_;
  std::size_t count_ = 0;
};

}  // namespace sprout::transfer::detail
