// Fuzz target: PROXY protocol v2 headers from a front end (untrusted bytes before the DNS message).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "fuzz_check.hpp"
#include "sprout/core/proxy_protocol.hpp"

namespace {

using sprout::core::kProxyFixedSize;
using sprout::core::kProxyMaxSize;
using sprout::core::parse_proxy_v2;
using sprout::core::ProxyStatus;

constexpr std::uint8_t kSignature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

bool starts_like_signature(std::span<const std::uint8_t> b) {
  const std::size_t n = b.size() < sizeof kSignature ? b.size() : sizeof kSignature;
  return n > 0 && std::memcmp(b.data(), kSignature, n) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  const auto h = parse_proxy_v2(bytes);
  switch (h.status) {
    case ProxyStatus::absent:
      FUZZ_CHECK(!starts_like_signature(bytes));
      break;
    case ProxyStatus::incomplete:
      // A stream reader waits for `length` bytes (once known): it must be more than it has.
      FUZZ_CHECK(starts_like_signature(bytes));
      FUZZ_CHECK(size < kProxyFixedSize ? h.length == 0 : (h.length > size && h.length <= kProxyMaxSize));
      break;
    case ProxyStatus::ok:
    case ProxyStatus::local:
      FUZZ_CHECK(h.length >= kProxyFixedSize && h.length <= size && h.length <= kProxyMaxSize);
      if (h.status == ProxyStatus::ok) {
        // The carried address is the one the family byte names, never stale or mixed.
        const std::uint8_t family = data[13] >> 4;
        FUZZ_CHECK(family == 1 || family == 2);
        static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        const bool mapped = family == 2 && std::memcmp(data + kProxyFixedSize, kMapped, 12) == 0;
        FUZZ_CHECK(h.source.v4 == (family == 1 || mapped));
      }
      // Read from a stream, every shorter prefix of a usable header is "wait for more".
      for (std::size_t k : {std::size_t{0}, std::size_t{1}, std::size_t{12}, kProxyFixedSize - 1, kProxyFixedSize,
                            h.length - 1}) {
        if (k >= h.length || k == 0) continue;
        FUZZ_CHECK(parse_proxy_v2(bytes.first(k)).status == ProxyStatus::incomplete);
      }
      break;
    case ProxyStatus::invalid:
      FUZZ_CHECK(starts_like_signature(bytes) && size >= kProxyFixedSize);
      break;
  }
  return 0;
}
