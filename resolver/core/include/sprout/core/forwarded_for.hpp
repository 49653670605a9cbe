// The client address of a plain-HTTP DoH request behind a trusted reverse proxy: taken from
// X-Forwarded-For only when the TCP peer is a trusted proxy, else the peer itself.
#pragma once

#include <span>
#include <string_view>

#include "sprout/config/config.hpp"

namespace sprout::core {

enum class ForwardedStatus : std::uint8_t {
  peer,          // no header, or a trusted proxy sent none: the TCP peer is the client
  forwarded,     // from the header: the right-most address that is not a trusted proxy
  untrusted,     // a header from a peer that is no trusted proxy: ignored (anyone can write one)
  malformed,     // a trusted proxy's header we could not read: ignored, the peer is the client
};

struct ForwardedClient {
  ForwardedStatus status = ForwardedStatus::peer;
  config::IpAddress client;
};

// `header`: every X-Forwarded-For value of the request, in order, joined with ','. Each proxy
// appends the address it received from, so the right end is the most trustworthy: walk from
// there past our own proxies; the first other address is the client. An entry may carry a
// port ("192.0.2.7:5555", "[2001:db8::7]:5555"). All entries trusted: the left-most.
[[nodiscard]] ForwardedClient forwarded_client(const config::IpAddress& peer, std::string_view header,
                                               std::span<const config::IpPrefix> trusted);

}  // namespace sprout::core
