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
    // udp_exchange() holds it to 1232 bytes (the query's limit) and to the ID, question and RD.
    CHECK(udp_exchange(build_query(0x4321, "big.example.", rr_type::kA, Edns{1232}), s.port(), 3000ms, "127.0.0.1",
                       {.rcode = rcode::kNoError, .tc = true, .opt = true}));
  }
  SECTION("raw: without EDNS the datagram fits 512 bytes") {
    CHECK(udp_exchange(build_query(0x4322, "big.example.", rr_type::kA), s.port(), 3000ms, "127.0.0.1",
                       {.rcode = rcode::kNoError, .tc = true}));
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
    INFO("answers received so far: " << n);
    auto m = tcp.read_framed(10000ms, {.rcode = rcode::kNoError, .tc = false, .qdcount = 1, .ancount = 1});
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
  CHECK(tcp.read_framed(3000ms, {.id = 0x0BAD, .rcode = rcode::kFormErr, .rd = true}));
  const Bytes after = build_query(0x0600D, "after.example.", rr_type::kA);
  REQUIRE(tcp.send_framed({after}));
  auto next = tcp.read_framed(3000ms, merged({.rcode = rcode::kNoError}, reply_to(after)));
  REQUIRE(next);
  CHECK(next->answer_ips() == std::vector<std::string>{"192.0.2.1"});
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
  CHECK(udp_exchange(build_query(0x0E01, "edns.example.", rr_type::kA, Edns{1232}), s.port(), 3000ms, "127.0.0.1",
                     {.rcode = rcode::kNoError, .opt = true}));
  auto plain = udp_exchange(build_query(0x0E02, "noedns.example.", rr_type::kA), s.port(), 3000ms, "127.0.0.1",
                            {.rcode = rcode::kNoError, .opt = false});
  REQUIRE(plain);
  CHECK(plain->answer_ips() == std::vector<std::string>{"192.0.2.1"});
}

// RFC 6891 7: an OPT in the reply if and only if the query had one, also when the cache was
// filled by a client that asked otherwise (issue 10; ldns found it before the finalize stage).
TEST_CASE("a cached answer carries OPT exactly when this query did", "[resolver][edns][cache]") {
  SPROUT_REQUIRE_RESOLVER();
  Stack s({UpstreamSpec{}});
  // Cached from an EDNS query, asked again without EDNS: must come back without OPT.
  CHECK(udp_exchange(build_query(0xC001, "with.example.", rr_type::kA, Edns{1232}), s.port()));
  CHECK(udp_exchange(build_query(0xC002, "with.example.", rr_type::kA), s.port(), 3000ms, "127.0.0.1",
                     {.rcode = rcode::kNoError, .opt = false}));
  // Cached from a plain query, asked again with EDNS: must come back with OPT.
  CHECK(udp_exchange(build_query(0xC003, "without.example.", rr_type::kA), s.port()));
  CHECK(udp_exchange(build_query(0xC004, "without.example.", rr_type::kA, Edns{1232}), s.port(), 3000ms,
                     "127.0.0.1", {.rcode = rcode::kNoError, .opt = true}));
}

// When upstream truncates over UDP and the whole answer is fetched over TCP, the EDNS client
// still gets its OPT record (ldns found it missing before the finalize stage of issue 10).
TEST_CASE("an answer fetched from upstream over TCP still carries OPT for an EDNS client", "[resolver][edns]") {
  SPROUT_REQUIRE_RESOLVER();
  Stack s({UpstreamSpec{}});
  const auto big = udp_exchange(build_query(0xB16, "big.example.", rr_type::kA, Edns{4096}), s.port(), 3000ms,
                                "127.0.0.1", {.rcode = rcode::kNoError, .tc = false, .opt = true});
  REQUIRE(big);
  CHECK(big->answer_ips().size() == 100);
}
