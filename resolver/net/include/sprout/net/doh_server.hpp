// DNS over HTTPS (RFC 8484): admitted within the listener's caps, then HTTP/2 (libnghttp2) or
// HTTP/1.1 (Beast) as ALPN chose; every request goes through the same driver as UDP and TCP.
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <boost/asio/ip/tcp.hpp>
#include <cstddef>

namespace sprout::net {

class Worker;

void accept_doh(Worker& worker, std::size_t listener, boost::asio::ip::tcp::socket socket);

}  // namespace sprout::net
