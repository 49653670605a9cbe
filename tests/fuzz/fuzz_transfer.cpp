// Fuzz target: what a zone-transfer primary (or anyone sending a NOTIFY) sends Sprout. The
// input is a stream of 2-byte-length-prefixed messages, as on the TCP connection, read by
// ResponseReader for an AXFR and for an IXFR from serial 7 (with and without a TSIG key);
// the first message is also answered as a NOTIFY. Nothing may crash, and a finished
// transfer's zone must carry the SOA serial its stream announced.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "fuzz_check.hpp"
#include "sprout/transfer/notify_message.hpp"
#include "sprout/transfer/zone_transfer.hpp"

using namespace sprout;
using namespace sprout::transfer;

namespace {

std::vector<std::span<const std::uint8_t>> messages(const std::uint8_t* data, std::size_t size) {
  std::vector<std::span<const std::uint8_t>> out;
  std::size_t i = 0;
  while (i + 2 <= size) {
    const std::size_t len = static_cast<std::size_t>(data[i]) << 8 | data[i + 1];
    i += 2;
    if (len > size - i) break;
    out.emplace_back(data + i, len);
    i += len;
  }
  return out;
}

void read_stream(const std::vector<std::span<const std::uint8_t>>& msgs, const std::optional<config::TsigKey>& key,
                 const std::optional<RpzZone>& current) {
  Request req;
  req.id = 0x1234;  // the seeds answer this ID
  req.ixfr = current.has_value();
  if (key) req.mac.assign(32, 0xab);
  ResponseReader reader("rpz.test", key, req, current ? &*current : nullptr, 1 << 20);
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  for (const auto& m : msgs) {
    const Outcome o = reader.add(m.data(), m.size(), now);
    if (o == Outcome::more) continue;
    FUZZ_CHECK(o != Outcome::failed || !reader.error().empty());
    if (o == Outcome::full_zone || o == Outcome::incremental) {
      const RpzZone z = reader.take_zone();
      FUZZ_CHECK(!z.soa.text.empty());
      FUZZ_CHECK(z.wire_bytes <= (1u << 20));
    }
    break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto msgs = messages(data, size);
  const config::TsigKey key{"sprout-key", config::TsigAlgorithm::hmac_sha256, "", "c3Byb3V0LXRlc3Qta2V5LXNlY3JldC0zMmJ5dGVzISE="};
  RpzZone have;
  have.soa = Soa{7, 3600, 600, 86400, "rpz.test.\tIN\tSOA\tns.invalid. h.invalid. 7 3600 600 86400 60"};
  have.records = blocklists::ZoneRecords("rpz.test.");
  have.records.insert("a.rpz.test.\tIN\tCNAME\t.");
  read_stream(msgs, std::nullopt, std::nullopt);
  read_stream(msgs, std::nullopt, have);
  read_stream(msgs, key, std::nullopt);
  if (!msgs.empty()) {
    std::vector<std::uint8_t> out(65535);
    NotifyPolicy policy{[&](const std::string&) { return std::optional(key); },
                        [](const std::string&, const std::string& signer) { return !signer.empty(); }};
    const NotifyAnswer a = answer_notify(msgs.front(), out, policy, std::chrono::system_clock::now());
    FUZZ_CHECK(a.size <= out.size());
    FUZZ_CHECK(!a.accepted || a.size >= 12);
  }
  return 0;
}
