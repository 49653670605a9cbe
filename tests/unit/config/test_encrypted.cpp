// tls, dot, doh and clients: what a valid encrypted-DNS config loads into, and its defaults.
#include <catch2/catch.hpp>

#include "must_load.hpp"

using namespace sprout::config;
using namespace std::chrono_literals;

TEST_CASE("DoT and DoH listeners load with their defaults and limits", "[encrypted]") {
  const Config c = must_load(R"(
profiles: {kids: {}, teens: {}}
tls: {certificate: certs/fullchain.pem, key: /etc/sprout/privkey.pem, server_name: dns.example.vn}
dot:
  - {address: 0.0.0.0}
  - {address: "::1", port: 8853, profile: kids, unknown_clients: refuse, max_connections: 10,
     max_handshakes: 3, handshake_timeout: 2s, idle_timeout: 1m}
doh:
  - {address: 127.0.0.1}
clients:
  phone-an: {profile: kids, labels: {school: "THCS A"}}
  laptop-2: {profile: teens}
)");
  CHECK(c.tls.certificate.ends_with("/certs/fullchain.pem"));
  CHECK(c.tls.certificate.front() == '/');
  CHECK(c.tls.key == "/etc/sprout/privkey.pem");
  CHECK(c.tls.server_name == "dns.example.vn");
  REQUIRE(c.dot.size() == 2);
  CHECK(c.dot[0].endpoint.port == 853);
  CHECK(c.dot[0].profile == "default");
  CHECK(c.dot[0].unknown_clients == UnknownClients::default_profile);
  CHECK(c.dot[0].max_connections == 512);
  CHECK(c.dot[0].max_handshakes == 64);
  CHECK(c.dot[0].handshake_timeout == 5s);
  CHECK(c.dot[0].idle_timeout == 30s);
  CHECK(c.dot[1].endpoint.address == *IpAddress::parse("::1"));
  CHECK(c.dot[1].endpoint.port == 8853);
  CHECK(c.dot[1].profile == "kids");
  CHECK(c.dot[1].unknown_clients == UnknownClients::refuse);
  CHECK(c.dot[1].max_connections == 10);
  CHECK(c.dot[1].max_handshakes == 3);
  CHECK(c.dot[1].handshake_timeout == 2s);
  CHECK(c.dot[1].idle_timeout == 60s);
  REQUIRE(c.doh.size() == 1);
  CHECK(c.doh[0].endpoint.port == 443);
  REQUIRE(c.clients.size() == 2);
  CHECK(c.clients[0].id == "phone-an");
  CHECK(c.clients[0].profile == "kids");
  CHECK(c.clients[0].labels.at("school") == "THCS A");
  CHECK(c.clients[1].id == "laptop-2");
}

TEST_CASE("no encrypted listeners unless configured", "[encrypted]") {
  const Config c = must_load("profiles: {kids: {}}\n");
  CHECK(c.dot.empty());
  CHECK(c.doh.empty());
  CHECK(c.clients.empty());
  CHECK(c.tls.certificate.empty());
}

TEST_CASE("a DoT upstream: tls with its server name and CA, port 853 unless given", "[encrypted]") {
  const Config c = must_load(R"(
upstreams:
  - {address: 9.9.9.9, tls: {server_name: dns.quad9.net}}
  - {address: 127.0.0.1, port: 8853, tls: {server_name: upstream.test, ca_file: /etc/sprout/ca.pem, max_connections: 8,
           idle_timeout: 2s}}
  - {address: 192.0.2.1}
)");
  REQUIRE(c.upstreams.size() == 3);
  REQUIRE(c.upstreams[0].tls);
  CHECK(c.upstreams[0].port == 853);
  CHECK(c.upstreams[0].tls->server_name == "dns.quad9.net");
  CHECK(c.upstreams[0].tls->ca_file.empty());
  CHECK(c.upstreams[0].tls->max_connections == 4);
  CHECK(c.upstreams[1].tls->max_connections == 8);
  CHECK(c.upstreams[0].tls->idle_timeout == std::chrono::seconds(10));
  CHECK(c.upstreams[1].tls->idle_timeout == std::chrono::seconds(2));
  CHECK(c.upstreams[1].port == 8853);
  CHECK(c.upstreams[1].tls->ca_file == "/etc/sprout/ca.pem");
  CHECK_FALSE(c.upstreams[2].tls);
  CHECK(c.upstreams[2].port == 53);
}
