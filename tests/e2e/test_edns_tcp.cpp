// End-to-end: EDNS payload size and truncation, and RFC 7766 pipelining over TCP.
#include <catch2/catch.hpp>

#include <map>

#include "resolver_fixture.hpp"

using namespace sprout::e2e;

TEST_CASE("a large answer is truncated over UDP and whole over TCP", "[resolver][edns]") {
  SPROUT_REQUIRE_RESOLVER();
  Stack s({UpstreamSpec{}});

  const auto tcp_out = dig(s.resolver->tcp_port(), "+tcp big.example A");
  INFO("dig +tcp:\n" << tcp_out.output);
  const auto tcp = parse_dig_output(tcp_out.output);
  CHECK(tcp.status == "NOERROR");
  CHECK(tcp.answer_data("A").size() == 100);

  const auto udp_out = dig(s.port(), "+bufsize=1232 +ignore big.example A");
  INFO("dig +bufsize=1232 +ignore:\n" << udp_out.output);
  const auto udp = parse_dig_output(udp_out.output);
  CHECK(udp.has_flag("tc"));
  CHECK(udp.answer_data("A").size() < 100);
  // The upstream truncated its UDP answer too, so the whole set came over TCP from it.
  CHECK(s.upstreams[0]->saw_query("big.example.", "tcp"));

  SECTION("raw: the datagram fits the advertised size") {
    UdpClient client;
    REQUIRE(client.send(build_query(0x4321, "big.example.", rr_type::kA, EdnsOptions{1232}), s.port()));
    auto wire = client.receive(3000ms);
    REQUIRE(wire);
    CHECK(wire->size() <= 1232);
    auto m = parse_message(*wire);
    REQUIRE(m);
    CHECK(m->id == 0x4321);
    CHECK(m->tc());
  }
  SECTION("raw: without EDNS the datagram fits 512 bytes") {
    UdpClient client;
    REQUIRE(client.send(build_query(0x4322, "big.example.", rr_type::kA), s.port()));
    auto wire = client.receive(3000ms);
    REQUIRE(wire);
    CHECK(wire->size() <= 512);
    auto m = parse_message(*wire);
    REQUIRE(m);
    CHECK(m->tc());
  }
}

TEST_CASE("100 pipelined TCP queries on one connection are all answered", "[resolver][tcp]") {
  SPROUT_REQUIRE_RESOLVER();
  Stack s({UpstreamSpec{}});
  TcpClient tcp(s.resolver->tcp_port());
  REQUIRE(tcp.connected());
  std::map<std::uint16_t, std::string> pending;
  std::vector<Bytes> queries;
  for (std::uint16_t i = 0; i < 100; ++i) {
    const std::uint16_t id = static_cast<std::uint16_t>(1000 + i);
    pending[id] = "pipe" + std::to_string(i) + ".example.";
    queries.push_back(build_query(id, pending[id], rr_type::kA));
  }
  REQUIRE(tcp.send_framed(queries));
  int out_of_order = 0;
  std::uint16_t previous = 0;
  for (int n = 0; n < 100; ++n) {
    auto wire = tcp.read_framed(10000ms);
    INFO("answers received so far: " << n);
    REQUIRE(wire);
    auto m = parse_message(*wire);
    REQUIRE(m);
    INFO("id " << m->id);
    REQUIRE(pending.count(m->id) == 1);
    REQUIRE(m->questions.size() == 1);
    CHECK(names_equal(m->questions[0].name, pending[m->id]));
    CHECK(m->answer_ips() == std::vector<std::string>{"192.0.2.1"});
    out_of_order += m->id < previous ? 1 : 0;
    previous = m->id;
    pending.erase(m->id);
  }
  INFO("pipelined answers out of order: " << out_of_order);  // allowed by RFC 7766
  CHECK(pending.empty());
}

TEST_CASE("a malformed query over TCP gets FORMERR and the connection stays usable", "[resolver][tcp]") {
  SPROUT_REQUIRE_RESOLVER();
  Stack s({UpstreamSpec{}});
  TcpClient tcp(s.resolver->tcp_port());
  REQUIRE(tcp.connected());
  // Header with qdcount=1 and a name that is a pointer to itself.
  const Bytes loop{0x0B, 0xAD, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 0x0C, 0, 1, 0, 1};
  REQUIRE(tcp.send_framed({loop}));
  auto wire = tcp.read_framed(3000ms);
  REQUIRE(wire);
  auto m = parse_message(*wire);
  REQUIRE(m);
  CHECK(m->id == 0x0BAD);
  CHECK(m->rcode() == rcode::kFormErr);
  REQUIRE(tcp.send_framed({build_query(0x0600D, "after.example.", rr_type::kA)}));
  auto next = tcp.read_framed(3000ms);
  REQUIRE(next);
  CHECK(parse_message(*next)->answer_ips() == std::vector<std::string>{"192.0.2.1"});
}

TEST_CASE("an idle TCP connection is closed after tcp.idle_timeout", "[resolver][tcp]") {
  SPROUT_REQUIRE_RESOLVER();
  Stack s({UpstreamSpec{}});  // idle_timeout: 2s
  TcpClient idle(s.resolver->tcp_port());
  REQUIRE(idle.connected());
  const auto start = Clock::now();
  CHECK(idle.closed_by_peer(6000ms));
  const auto elapsed = std::chrono::duration_cast<Millis>(Clock::now() - start);
  INFO("closed after " << elapsed.count() << " ms");
  CHECK(elapsed >= 1500ms);
  CHECK(elapsed < 5000ms);
}

TEST_CASE("OPT is answered only to a client that sent one", "[resolver][edns]") {
  SPROUT_REQUIRE_RESOLVER();
  Stack s({UpstreamSpec{}});
  auto with = udp_exchange(build_query(0x0E01, "edns.example.", rr_type::kA, EdnsOptions{1232}), s.port());
  REQUIRE(with);
  auto m = parse_message(*with);
  REQUIRE(m);
  CHECK(m->opt() != nullptr);
  auto without = udp_exchange(build_query(0x0E02, "noedns.example.", rr_type::kA), s.port());
  REQUIRE(without);
  auto plain = parse_message(*without);
  REQUIRE(plain);
  CHECK(plain->opt() == nullptr);
  CHECK(plain->answer_ips() == std::vector<std::string>{"192.0.2.1"});
}
