// Fuzz target: DHCP leases files (dnsmasq's and odhcpd's, format told by content) and the
// kernel's neighbour table. A router writes them with names its clients chose.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "sprout/core/client_device.hpp"
#include "sprout/core/lease_table.hpp"

using namespace sprout;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const core::LeaseTable t = core::LeaseTable::parse(text);
  FUZZ_CHECK(t.format() == core::LeaseTable::detect(text));
  std::size_t lines = text.empty() ? 0 : 1;
  for (const char c : text) lines += c == '\n';
  FUZZ_CHECK(t.skipped() <= lines);
  for (const core::Lease& l : t.leases()) {
    const core::Lease* found = t.find(l.address);  // every lease is found by its address
    FUZZ_CHECK(found != nullptr && found->address == l.address);
    FUZZ_CHECK(l.host.size() < size);
  }
  if (!t.leases().empty()) {
    const auto mac = core::mac_in_arp_table(text, t.leases().front().address);
    FUZZ_CHECK(!mac || text.find(':') != std::string_view::npos);
  }
  return 0;
}
