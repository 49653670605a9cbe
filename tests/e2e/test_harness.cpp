// Self-tests of the e2e harness: fake_upstream answered directly, dig parsing, processes, pcap.
#include <catch2/catch.hpp>

#include <csignal>

#include "pcap_reader.hpp"
#include "resolver_fixture.hpp"

using namespace sprout::e2e;

namespace {

struct Upstream {
  explicit Upstream(const UpstreamSpec& spec = {}) : fake(dir.path(), "fake", spec) {}
  TempDir dir;
  FakeUpstream fake;
};

Reply exchange_udp(std::uint16_t port, const Bytes& query, const Expect& expect = {}) {
  auto answer = udp_exchange(query, port, 2000ms, "127.0.0.1", expect);
  REQUIRE(answer);
  return *answer;
}

}  // namespace

TEST_CASE("fake_upstream answers dig over UDP and TCP and logs the queries", "[harness]") {
  Upstream up;
  const auto udp = parse_dig_output(dig(up.fake.port(), "example.com A").output);
  CHECK(udp.status == "NOERROR");
  CHECK(udp.answer_data("A") == std::vector<std::string>{"192.0.2.1"});
  const auto tcp = parse_dig_output(dig(up.fake.port(), "+tcp tcp.example.com AAAA").output);
  CHECK(tcp.answer_data("AAAA") == std::vector<std::string>{"2001:db8::1"});
  const auto k = kdig(up.fake.port(), "k.example.com A");
  INFO(k.output);
  CHECK(parse_dig_output(k.output).answer_data("A") == std::vector<std::string>{"192.0.2.1"});
  const auto lines = up.fake.log_lines();
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].rfind("udp ", 0) == 0);
  CHECK(lines[0].find(" example.com. A") != std::string::npos);
  CHECK(lines[1].rfind("tcp ", 0) == 0);
  CHECK(up.fake.saw_query("K.EXAMPLE.COM."));
}

TEST_CASE("fake_upstream scripted names", "[harness]") {
  Upstream up({"normal", "198.51.100.7"});
  const auto port = up.fake.port();
  SECTION("answer-ip and ID echo") {
    const auto m = exchange_udp(port, build_query(0xBEEF, "x.example.", rr_type::kA), {.rcode = rcode::kNoError});
    CHECK(m.answer_ips() == std::vector<std::string>{"198.51.100.7"});
  }
  SECTION("servfail") {
    exchange_udp(port, build_query(1, "servfail.example.", rr_type::kA), {.rcode = rcode::kServFail, .ancount = 0});
  }
  SECTION("silent never answers") {
    CHECK_FALSE(udp_exchange(build_query(2, "silent.example.", rr_type::kA), port, 500ms));
  }
  SECTION("mismatch answers another question") {
    exchange_udp(port, build_query(3, "mismatch.example.", rr_type::kA), {.qname = "mismatched.example."});
  }
  SECTION("big truncates over UDP and echoes OPT, whole over TCP") {
    exchange_udp(port, build_query(4, "big.example.", rr_type::kA, Edns{1232}),
                 {.tc = true, .ancount = 0, .opt = true, .udp_size = 1232});
    TcpClient tcp(port);
    REQUIRE(tcp.send_framed({build_query(5, "big.example.", rr_type::kA)}));
    auto whole = tcp.read_framed(2000ms, {.id = 5, .tc = false, .ancount = 100, .opt = false});
    REQUIRE(whole);
    CHECK(whole->wire.size() > 1232);
    CHECK(whole->answer_ips().size() == 100);
  }
  SECTION("dig sees TC with +ignore") {
    const auto r = parse_dig_output(dig(port, "+bufsize=1232 +ignore big.example A").output);
    CHECK(r.has_flag("tc"));
  }
}

TEST_CASE("fake_upstream in down mode logs but never answers", "[harness]") {
  Upstream up({"down", "192.0.2.1"});
  CHECK_FALSE(udp_exchange(build_query(7, "example.com.", rr_type::kA), up.fake.port(), 500ms));
  CHECK(up.fake.saw_query("example.com."));
}

TEST_CASE("fake_upstream answers pipelined TCP queries", "[harness]") {
  Upstream up;
  TcpClient tcp(up.fake.port());
  std::vector<Bytes> queries;
  for (std::uint16_t i = 0; i < 20; ++i) queries.push_back(build_query(i, "p.example.", rr_type::kA));
  REQUIRE(tcp.send_framed(queries));
  for (std::uint16_t i = 0; i < 20; ++i) {
    CHECK(tcp.read_framed(2000ms, {.id = i}));
  }
}

TEST_CASE("dig and kdig output parser", "[harness]") {
  const auto d = parse_dig_output(
      ";; Got answer:\n"
      ";; ->>HEADER<<- opcode: QUERY, status: SERVFAIL, id: 4242\n"
      ";; flags: qr rd ra tc; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1\n\n"
      ";; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:; udp: 1232\n\n"
      "example.com.\t\t300\tIN\tA\t192.0.2.1\n");
  CHECK(d.status == "SERVFAIL");
  CHECK(d.id == 4242);
  CHECK(d.has_flag("tc"));
  CHECK(d.answer_data("A") == std::vector<std::string>{"192.0.2.1"});
  const auto k = parse_dig_output(
      ";; ->>HEADER<<- opcode: QUERY; status: NOERROR; id: 17\n"
      ";; Flags: qr rd ra; QUERY: 1; ANSWER: 1; AUTHORITY: 0; ADDITIONAL: 0\n\n"
      ";; ANSWER SECTION:\nexample.com.        \t300\tIN\tAAAA\t2001:db8::1\n");
  CHECK(k.status == "NOERROR");
  CHECK(k.id == 17);
  CHECK(k.has_flag("ra"));
  CHECK(k.answer_data("AAAA") == std::vector<std::string>{"2001:db8::1"});
}

TEST_CASE("dig and kdig complaints about a reply are spotted, record text is not", "[harness]") {
  CHECK(reader_complaints(";; Got bad packet: FORMERR\n").size() == 1);
  CHECK(reader_complaints(";; Warning: Message parser reports malformed message packet.\n").size() == 1);
  CHECK(reader_complaints(";; Warning: ID mismatch: expected ID 1, got 2\n").size() == 1);
  // As BIND 9.18 dig and Knot 3.2 kdig print them for a cut, mis-IDed or QR-less reply.
  CHECK(reader_complaints(";; ERROR: malformed reply packet from 127.0.0.1@5399(UDP)\n").size() == 1);
  CHECK(reader_complaints(";; WARNING: Message has 4 extra bytes at end\n").size() == 1);
  CHECK(reader_complaints(";; WARNING: reply ID (0) is different from query ID (4816)\n").size() == 1);
  CHECK(reader_complaints(";; Warning: query response not set\n").size() == 1);
  CHECK(reader_complaints(";; WARNING: response QR bit not set\n").size() == 1);
  CHECK(reader_complaints("mismatch.example.\t300\tIN\tA\t192.0.2.1\n;; flags: qr rd ra;\n").empty());
}

TEST_CASE("Process reports exit codes and stops what it started", "[harness]") {
  TempDir dir;
  Process quick({"/bin/sh", "-c", "echo hi; exit 3"}, dir / "out", dir / "err");
  CHECK(quick.wait_exit(5000ms) == 3);
  CHECK(read_file(dir / "out") == "hi\n");
  Process slow({"/bin/sleep", "60"}, dir / "out2", dir / "err2");
  CHECK(slow.running());
  CHECK(slow.terminate() == 128 + SIGTERM);
  CHECK(run_command("exit 4").exit_code == 4);
}

TEST_CASE("pcap reader extracts DNS payloads", "[harness]") {
  const auto payloads = sprout::test::read_dns_pcap(require_shared_data("packets/tcpdump/dns_udp.pcap"));
  REQUIRE_FALSE(payloads.empty());
  CHECK(parse_message(payloads[0].bytes).has_value());
}
