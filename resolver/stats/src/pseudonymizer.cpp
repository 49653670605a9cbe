// Pseudonymizer: daily-rotating in-memory HMAC key (OpenSSL).
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "sprout/stats/query_log.hpp"

namespace sprout::stats {

Pseudonymizer::Pseudonymizer(int utc_offset_minutes, KeySource source)
    : utc_offset_minutes_(utc_offset_minutes), source_(std::move(source)) {}

Pseudonymizer::~Pseudonymizer() { OPENSSL_cleanse(key_.data(), key_.size()); }

PseudonymKey Pseudonymizer::random_key() {
  PseudonymKey k{};
  if (RAND_bytes(k.data(), static_cast<int>(k.size())) != 1) throw std::runtime_error("RAND_bytes failed");
  return k;
}

std::string Pseudonymizer::pseudonym(std::string_view client, std::int64_t now) {
  const Date today = Date::from_unix(now, utc_offset_minutes_);
  if (today.day_number() != key_day_) {
    // A new day forgets yesterday's key: pseudonyms cannot be linked across days.
    OPENSSL_cleanse(key_.data(), key_.size());
    key_ = source_();
    key_day_ = today.day_number();
  }
  const std::string message = today.to_string() + "|" + std::string(client);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), reinterpret_cast<const unsigned char*>(message.data()),
           message.size(), mac, &mac_len) == nullptr) {
    throw std::runtime_error("HMAC failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < 8 && i < mac_len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 0xf];
  }
  return out;
}

}  // namespace sprout::stats
