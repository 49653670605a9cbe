// Per-query state carried through the driver's phases: owned by the query, never by a worker.
#pragma once

#include <array>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "sprout/config/config.hpp"
#include "sprout/core/decision.hpp"
#include "sprout/core/device_table.hpp"
#include "sprout/core/network_table.hpp"
#include "sprout/dns/query_view.hpp"

namespace sprout::core {

struct Snapshot;
struct NetworkPolicy;
class ClientLimits;

// What happened to a query, for counters and reports.
enum class Action : std::uint8_t {
  allowed, blocked, refused, formerr, notimp, servfail, dropped, kCount
};

// Which abuse protection answered a query, if one did (counted apart in /metrics).
enum class Guard : std::uint8_t {
  none, rate_refused, rate_truncated, upstream_client, upstream_total, rebinding, kCount
};

// Why a router's identity option (MAC, CPE id, client subnet) was not believed.
enum class IgnoredOption : std::uint8_t { untrusted, malformed, duplicate, kCount };
inline constexpr std::size_t kIgnoredOptions = static_cast<std::size_t>(IgnoredOption::kCount);

enum class AnswerSource : std::uint8_t { none, synthesized, upstream, cache };

// How the query reached us. A stream transport never truncates. DoT and DoH are encrypted:
// their clients are identified by a client ID and their listener, not by address.
enum class Transport : std::uint8_t { udp, tcp, dot, doh, kCount };

// What an encrypted transport knows about its client: the listener (index in config.dot or
// config.doh) and the client ID it carried (empty: none).
struct EncryptedOrigin {
  std::uint16_t listener = 0;
  std::string_view client_id;
  // Plain-HTTP DoH behind a trusted proxy: the address is the client's own (X-Forwarded-For),
  // so a request without an ID is judged by its network, as over plain DNS.
  bool by_address = false;
};

struct QueryContext {
  std::span<const std::uint8_t> wire;        // the message; ingress stages may narrow it (PROXY v2)
  config::IpAddress client;                  // the peer, or the address a trusted front end carried
  Transport transport = Transport::udp;
  EncryptedOrigin origin;                    // DoT/DoH only; read by AccessControl, cleared after
  dns::QueryView view;                       // parsed from `wire` by the driver
  const Snapshot* snapshot = nullptr;        // pinned for the whole query
  const NetworkPolicy* network = nullptr;    // set by AccessControl
  const DevicePolicy* device = nullptr;      // set by DeviceIdentity: a configured device, if known
  config::MacAddress mac{};                  // the device's MAC (pseudonymized in the query log only)
  bool has_mac = false;
  Decision decision;                         // set by PolicyDecision
  std::string_view asked_name;               // set by a stage that asks upstream for another name
  dns::NameText cname_target;                // the CNAME target AnswerInspection last decided on
  std::span<std::uint8_t> scratch;           // where this query's answer is built
  std::span<std::uint8_t> spare;             // a second buffer, for stages that rewrite one answer into another
  std::size_t response_size = 0;             // bytes of `scratch` holding a synthesized answer
  ClientLimits* limits = nullptr;            // the worker's rate and upstream tables (null: no limits)
  Action action = Action::allowed;
  Guard guard = Guard::none;
  std::array<std::uint16_t, kIgnoredOptions> ignored_options{};  // set by DeviceIdentity, by IgnoredOption
  AnswerSource source = AnswerSource::none;
  bool prefetch = false;                     // a cache hit asks for a background refresh

  [[nodiscard]] bool stream() const noexcept { return transport != Transport::udp; }
  [[nodiscard]] bool encrypted() const noexcept { return transport == Transport::dot || transport == Transport::doh; }
  // The most specific identity wins: the device's profile, else the network's.
  [[nodiscard]] std::size_t profile() const noexcept { return device != nullptr ? device->profile : network->profile; }
  // The name Sprout asks upstream and keys the cache on: the client's, unless a stage
  // (SafeSearch) asks for another one.
  [[nodiscard]] std::string_view upstream_name() const noexcept {
    return asked_name.empty() ? view.qname.view() : asked_name;
  }
  [[nodiscard]] std::span<std::uint8_t> response() const noexcept { return scratch.first(response_size); }
  // Writes an error answer (rcode, or BADVERS when 16) into scratch.
  void respond_error(std::uint16_t rcode) noexcept;
};

}  // namespace sprout::core
