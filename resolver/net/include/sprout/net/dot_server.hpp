// DNS over TLS (RFC 7858): admitted within the listener's caps, then served by the same stream
// code as plain TCP after the handshake.
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <boost/asio/ip/tcp.hpp>
#include <cstddef>

namespace sprout::net {

class Worker;

void accept_dot(Worker& worker, std::size_t listener, boost::asio::ip::tcp::socket socket);

}  // namespace sprout::net
