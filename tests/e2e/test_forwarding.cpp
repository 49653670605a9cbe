// End-to-end: forwarding, ID/question restoration, failover, timeouts and access control.
#include <catch2/catch.hpp>

#include "resolver_fixture.hpp"

using namespace sprout::e2e;

namespace {

const std::vector<std::string> kDefaultA{"192.0.2.1"};

}  // namespace

TEST_CASE("answers are forwarded over UDP, TCP and to kdig", "[resolver][forwarding]") {
  SPROUT_REQUIRE_RESOLVER();
  Stack s({UpstreamSpec{}});
  const auto& upstream = *s.upstreams[0];

  const auto udp_out = dig(s.port(), "www.example.com A");
  INFO("dig udp:\n" << udp_out.output);
  const auto udp = parse_dig_output(udp_out.output);
  CHECK(udp.status == "NOERROR");
  CHECK(udp.has_flag("qr"));
  CHECK(udp.answer_data("A") == kDefaultA);
  CHECK(upstream.saw_query("www.example.com."));

  const auto tcp_out = dig(s.resolver->tcp_port(), "+tcp tcp.example.com A");
  INFO("dig tcp:\n" << tcp_out.output);
  CHECK(parse_dig_output(tcp_out.output).answer_data("A") == kDefaultA);
  CHECK(upstream.saw_query("tcp.example.com."));

  const auto k_out = kdig(s.port(), "kdig.example.com AAAA");
  INFO("kdig:\n" << k_out.output);
  const auto k = parse_dig_output(k_out.output);
  CHECK(k.status == "NOERROR");
  CHECK(k.answer_data("AAAA") == std::vector<std::string>{"2001:db8::1"});
  CHECK(upstream.saw_query("kdig.example.com."));
}

TEST_CASE("the client's ID and question are restored", "[resolver][forwarding]") {
  SPROUT_REQUIRE_RESOLVER();
  Stack s({UpstreamSpec{}});
  for (std::uint16_t id : {std::uint16_t{0xBEEF}, std::uint16_t{0}, std::uint16_t{0xFFFF}}) {
    const std::string name = "id" + std::to_string(id) + ".example.";
    INFO("id " << id);
    // reply_to(): ID, QR, opcode, RD and the question as spelled; a forwarded answer has RA.
    auto m = udp_exchange(build_query(id, name, rr_type::kA), s.port(), 3000ms, "127.0.0.1",
                     {.rcode = rcode::kNoError, .ra = true, .qdcount = 1, .ancount = 1});
    REQUIRE(m);
    CHECK(m->answer_ips() == kDefaultA);
  }
  SECTION("mixed-case question name comes back as sent") {
    CHECK(udp_exchange(build_query(0x0A0A, "MiXeD.ExAmPlE.", rr_type::kA), s.port(), 3000ms, "127.0.0.1",
                  {.qname = "MiXeD.ExAmPlE."}));
  }
}

TEST_CASE("all upstreams down: SERVFAIL within the configured timeout", "[resolver][failover]") {
  SPROUT_REQUIRE_RESOLVER();
  const ResolverOptions options;  // 300ms, 1 try, per upstream
  Stack s({{"down"}, {"down"}}, options);
  const auto start = Clock::now();
  auto m = udp_exchange(build_query(0x1234, "down.example.", rr_type::kA), s.port(), 8000ms, "127.0.0.1",
                   {.rcode = rcode::kServFail, .ancount = 0});
  const auto elapsed = std::chrono::duration_cast<Millis>(Clock::now() - start);
  INFO("elapsed " << elapsed.count() << " ms");
  REQUIRE(m);
  CHECK(elapsed < Millis(300 * 1 * 2 + 1500));
  CHECK(s.upstreams[0]->saw_query("down.example."));
  CHECK(s.upstreams[1]->saw_query("down.example."));
}

TEST_CASE("failover: the second upstream answers when the first is down", "[resolver][failover]") {
  SPROUT_REQUIRE_RESOLVER();
  Stack s({{"down"}, {"normal", "198.51.100.2"}});
  const auto out = dig(s.port(), "failover.example.com A");
  INFO(out.output);
  const auto r = parse_dig_output(out.output);
  CHECK(r.status == "NOERROR");
  CHECK(r.answer_data("A") == std::vector<std::string>{"198.51.100.2"});
  CHECK(s.upstreams[0]->saw_query("failover.example.com."));
  CHECK(s.upstreams[1]->saw_query("failover.example.com."));
}

TEST_CASE("a source outside every configured network is REFUSED", "[resolver][acl]") {
  SPROUT_REQUIRE_RESOLVER();
  Stack s({UpstreamSpec{}});
  const auto out = dig(s.port(), "-b 127.0.0.2 refused.example.com A");
  INFO(out.output);
  const auto r = parse_dig_output(out.output);
  CHECK(r.status == "REFUSED");
  CHECK(r.answers.empty());
  CHECK(udp_exchange(build_query(0x5151, "refused2.example.", rr_type::kA), s.port(), 3000ms, "127.0.0.2",
                {.rcode = rcode::kRefused, .ancount = 0}));
  CHECK_FALSE(s.upstreams[0]->saw_query("refused.example.com."));
  CHECK_FALSE(s.upstreams[0]->saw_query("refused2.example."));
}

TEST_CASE("an upstream answer for another question is discarded", "[resolver][forwarding]") {
  SPROUT_REQUIRE_RESOLVER();
  Stack s({UpstreamSpec{}});
  // No answer at all is acceptable; an answer is a SERVFAIL for the question asked.
  auto m = udp_exchange(build_query(0x7777, "mismatch.example.", rr_type::kA), s.port(), 5000ms, "127.0.0.1",
                   {.rcode = rcode::kServFail, .ancount = 0});
  CHECK(s.upstreams[0]->saw_query("mismatch.example."));
  if (m) {
    for (const auto& ip : m->answer_ips()) CHECK(ip != "203.0.113.66");
  }
}

TEST_CASE("an upstream SERVFAIL reaches the client as SERVFAIL", "[resolver][forwarding]") {
  SPROUT_REQUIRE_RESOLVER();
  Stack s({UpstreamSpec{}});
  CHECK(udp_exchange(build_query(0x2222, "servfail.example.", rr_type::kA), s.port(), 5000ms, "127.0.0.1",
                {.rcode = rcode::kServFail}));
}
