// RFC 8945 5.3.1 digests across unsigned transfer messages (see tsig_gap.hpp).
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <optional>
#include <string>
#include <vector>

#include "tsig_gap.hpp"  // after the standard headers: it includes ldns (see there)

namespace sprout::transfer::detail {
namespace {

// Where the message's last record (the TSIG) starts: every record before it is walked with
// ldns's own reader, as ldns does to strip it. None when the message cannot be walked.
std::optional<std::size_t> tsig_offset(const std::uint8_t* wire, std::size_t size) {
  if (size < LDNS_HEADER_SIZE || LDNS_ARCOUNT(wire) == 0) return std::nullopt;
  const std::size_t records = std::size_t{LDNS_ANCOUNT(wire)} + LDNS_NSCOUNT(wire) + LDNS_ARCOUNT(wire) - 1u;
  std::size_t pos = LDNS_HEADER_SIZE;
  const auto skip = [&](ldns_pkt_section section) {
    ldns_rr* rr = nullptr;
    if (ldns_wire2rr(&rr, wire, size, &pos, section) != LDNS_STATUS_OK) return false;
    ldns_rr_free(rr);
    return true;
  };
  for (std::size_t i = 0; i < LDNS_QDCOUNT(wire); ++i) {
    if (!skip(LDNS_SECTION_QUESTION)) return std::nullopt;
  }
  for (std::size_t i = 0; i < records; ++i) {
    if (!skip(LDNS_SECTION_ANSWER)) return std::nullopt;
  }
  return pos;
}

}  // namespace

struct TsigGap::Mac {
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* ctx = nullptr;
  ~Mac() {
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
  }
  void update(const std::uint8_t* p, std::size_t n) { EVP_MAC_update(ctx, p, n); }
};

TsigGap::TsigGap() = default;
TsigGap::~TsigGap() = default;

bool TsigGap::open(const config::TsigKey& key, const ldns_rdf* prior_mac) {
  mac_.reset();
  count_ = 0;
  // The config checked the secret is base64 (whole quads); EVP_DecodeBlock counts padding as bytes.
  std::vector<std::uint8_t> secret(key.secret.size() / 4 * 3 + 3);
  int n = EVP_DecodeBlock(secret.data(), reinterpret_cast<const unsigned char*>(key.secret.data()), static_cast<int>(key.secret.size()));
  for (auto c = key.secret.rbegin(); n > 0 && c != key.secret.rend() && *c == '='; ++c) --n;
  if (n <= 0 || prior_mac == nullptr) return false;
  auto m = std::make_unique<Mac>();
  m->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  m->ctx = m->mac != nullptr ? EVP_MAC_CTX_new(m->mac) : nullptr;
  std::string digest = key.algorithm == config::TsigAlgorithm::hmac_sha512 ? "SHA512" : "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest.data(), 0), OSSL_PARAM_construct_end()};
  if (m->ctx == nullptr || EVP_MAC_init(m->ctx, secret.data(), static_cast<std::size_t>(n), params) != 1) return false;
  m->update(ldns_rdf_data(prior_mac), ldns_rdf_size(prior_mac));  // length and MAC, as ldns digests it
  mac_ = std::move(m);
  return true;
}

void TsigGap::add_unsigned(const std::uint8_t* wire, std::size_t size) {
  ++count_;
  if (mac_) mac_->update(wire, size);
}

bool TsigGap::close(const std::uint8_t* wire, std::size_t size, const ldns_rr* tsig) {
  std::unique_ptr<Mac> m = std::move(mac_);
  count_ = 0;
  const std::optional<std::size_t> end = tsig_offset(wire, size);
  if (!m || !end || ldns_rr_rd_count(tsig) < 4) return false;
  const ldns_rdf* time_signed = ldns_rr_rdf(tsig, 1);
  const ldns_rdf* fudge = ldns_rr_rdf(tsig, 2);
  const ldns_rdf* their_mac = ldns_rr_rdf(tsig, 3);
  if (ldns_rdf_size(time_signed) != 6 || ldns_rdf_size(fudge) != 2 || ldns_rdf_size(their_mac) < 2) return false;
  std::uint8_t header[LDNS_HEADER_SIZE];
  std::copy(wire, wire + LDNS_HEADER_SIZE, header);
  ldns_write_uint16(header + LDNS_ARCOUNT_OFF, static_cast<std::uint16_t>(LDNS_ARCOUNT(wire) - 1));  // without the TSIG
  m->update(header, sizeof header);
  m->update(wire + LDNS_HEADER_SIZE, *end - LDNS_HEADER_SIZE);
  m->update(ldns_rdf_data(time_signed), 6);
  m->update(ldns_rdf_data(fudge), 2);
  std::uint8_t out[EVP_MAX_MD_SIZE];
  std::size_t out_size = 0;
  if (EVP_MAC_final(m->ctx, out, &out_size, sizeof out) != 1) return false;
  // The MAC rdata is length-prefixed (INT16_DATA).
  const std::size_t theirs = ldns_rdf_size(their_mac) - 2;
  return theirs == out_size && CRYPTO_memcmp(out, ldns_rdf_data(their_mac) + 2, out_size) == 0;
}

}  // namespace sprout::transfer::detail
