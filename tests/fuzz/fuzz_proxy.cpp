// Fuzz target: PROXY protocol v2 headers from a front end (untrusted bytes before the DNS
// message): the parser alone, then the whole datagram through the driver from a trusted front end.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <cstdio>
#include <span>
#include <vector>

#include "fuzz_check.hpp"
#include "fuzz_world.hpp"
#include "sprout/core/proxy_protocol.hpp"
#include "sprout/dns/query_view.hpp"

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

// From the world's trusted front end over UDP: a usable header's client is the one policy
// sees (outside every network: REFUSED), an unusable header is dropped, and what is answered
// answers the message after the header.
void through_driver(std::span<const std::uint8_t> bytes, const sprout::core::ProxyHeader& h) {
  using namespace sprout;
  static fuzz::World world;
  auto& d = world.fresh_input();
  d.run(std::vector<std::uint8_t>(bytes.begin(), bytes.end()), "127.0.0.100");
  if (h.status == ProxyStatus::invalid || h.status == ProxyStatus::incomplete) {
    FUZZ_CHECK(d.sent->answers.empty() && d.upstream.pending.empty());
    return;
  }
  const auto inner = h.status == ProxyStatus::absent ? bytes : bytes.subspan(h.length);
  for (const auto& sent : d.sent->answers) {
    if (auto why = fuzz::check_answer(inner, sent, true)) {
      std::fprintf(stderr, "%s\n", why->c_str());
      FUZZ_CHECK(!why);
    }
  }
  dns::QueryView v;
  const bool outside = h.status == ProxyStatus::ok && fuzz::world_snapshot()->networks.match(h.source) == nullptr;
  if (outside && dns::parse_query(inner, v) == dns::ParseStatus::ok) {
    FUZZ_CHECK(d.upstream.pending.empty() && d.sent->answers.size() == 1);
    FUZZ_CHECK((d.sent->answers.front()[3] & 0xF) == 5);  // REFUSED
  }
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
  through_driver(bytes, h);
  return 0;
}
