// End-to-end: malformed and hostile datagrams get FORMERR/NOTIMP/BADVERS or nothing, and the
// server keeps serving afterwards.
#include <catch2/catch.hpp>

#include <csignal>
#include <thread>

#include "pcap_reader.hpp"
#include "resolver_fixture.hpp"

using namespace sprout::e2e;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxDatagram = 65507;

// A header claiming one question, then `name` as raw bytes and type A, class IN.
Bytes with_raw_name(std::uint16_t id, std::initializer_list<std::uint8_t> name) {
  return MessageBuilder(id).count(Section::question, 1).raw(name).u16(rr_type::kA).u16(1).bytes;
}

Bytes long_name_query(std::uint16_t id) {
  std::string name;
  for (int label = 0; label < 5; ++label) name += std::string(63, 'a') + ".";  // 5 x 64 = 320 bytes > 255
  return MessageBuilder(id).count(Section::question, 1).name(name).u16(rr_type::kA).u16(1).bytes;
}

struct Case {
  const char* what;
  Bytes wire;
  std::optional<int> expected_rcode;  // nullopt: must be dropped
};

std::vector<Case> hostile_cases() {
  using B = MessageBuilder;
  return {
      {"5-byte datagram", Bytes{0x12, 0x34, 0x01, 0x00, 0x00}, std::nullopt},
      {"QR=1 (a response)", B::query("qr.example.", rr_type::kA, 0x1001).add_flags(flag::kQr).bytes, std::nullopt},
      {"compression loop", with_raw_name(0x1002, {0xC0, 0x0C}), rcode::kFormErr},
      {"pointer out of range", with_raw_name(0x1003, {0xC0, 0xFF}), rcode::kFormErr},
      {"reserved label type 0x40", with_raw_name(0x1004, {0x41, 'a', 0}), rcode::kFormErr},
      {"name longer than 255", long_name_query(0x1005), rcode::kFormErr},
      {"qdcount=2", B::query("a.example.", rr_type::kA, 0x1006).question("b.example.").bytes, rcode::kFormErr},
      {"qdcount=0", B(0x1007).bytes, rcode::kFormErr},
      {"question cut short", B(0x1008).count(Section::question, 1).bytes, rcode::kFormErr},
      {"opcode 3", B::query("op3.example.", rr_type::kA, 0x1009).opcode(3).bytes, rcode::kNotImp},
      {"opcode 5 with EDNS (NOTIMP keeps the OPT)", B::query("op5.example.", rr_type::kA, 0x100B).opcode(5).opt().bytes,
       rcode::kNotImp},
      {"EDNS version 1", B::query("badvers.example.", rr_type::kA, 0x100A).opt({.udp_size = 1232, .version = 1}).bytes,
       rcode::kBadVers},
  };
}

void check_still_serving(Stack& s) {
  CHECK(s.resolver->process().running());
  const auto out = dig(s.port(), "alive.example.com A");
  INFO("dig after the hostile traffic:\n" << out.output);
  const auto r = parse_dig_output(out.output);
  CHECK(r.status == "NOERROR");
  CHECK(r.answer_data("A") == std::vector<std::string>{"192.0.2.1"});
}

// Sends one datagram, collecting whatever replies are already pending. The 2 ms pause paces
// the sender (the server's socket buffer is not the thing under test); it waits for nothing.
// Every reply to junk must still be a DNS response ldns can read (receive() checks QR).
void send_paced(UdpClient& client, std::uint16_t port, Bytes datagram, int& replies) {
  if (datagram.size() > kMaxDatagram) datagram.resize(kMaxDatagram);
  client.send(datagram, port);
  std::this_thread::sleep_for(2ms);
  while (client.receive(0ms)) ++replies;
}

void drain(UdpClient& client, int& replies) {
  while (client.receive(1500ms)) ++replies;
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("malformed queries get FORMERR/NOTIMP/BADVERS with the ID, or nothing", "[resolver][malformed]") {
  SPROUT_REQUIRE_RESOLVER();
  Stack s({UpstreamSpec{}});
  for (const auto& c : hostile_cases()) {
    INFO(c.what);
    UdpClient client;
    REQUIRE(client.send(c.wire, s.port()));
    const auto id = static_cast<std::uint16_t>((c.wire[0] << 8) | c.wire[1]);
    auto reply = client.receive(c.expected_rcode ? 2000ms : 700ms,
                                {.id = id, .rcode = c.expected_rcode, .opcode = (c.wire[2] >> 3) & 0xF, .ancount = 0,
                                 .opt = has_opt(c.wire)});
    CHECK(reply.has_value() == c.expected_rcode.has_value());
  }
  check_still_serving(s);
}

TEST_CASE("captured and fuzzed packets replayed raw do not hurt the server", "[resolver][malformed]") {
  SPROUT_REQUIRE_RESOLVER();
  const auto packets = require_shared_data("packets");
  require_shared_data("packets/tcpdump");
  require_shared_data("packets/c-ares-fuzzinput");
  Stack s({UpstreamSpec{}});
  UdpClient client;
  int sent = 0, replies = 0;
  for (const auto& file : files_in(packets / "tcpdump")) {
    send_paced(client, s.port(), read_binary(file), replies);  // the file itself, as one datagram
    ++sent;
    Bytes tcp_stream;
    for (auto& m : sprout::test::read_dns_pcap(file)) {
      if (m.tcp) {  // re-framed (RFC 7766 length prefix) and sent on one connection
        tcp_stream.push_back(static_cast<std::uint8_t>(m.bytes.size() >> 8));
        tcp_stream.push_back(static_cast<std::uint8_t>(m.bytes.size()));
        tcp_stream.insert(tcp_stream.end(), m.bytes.begin(), m.bytes.end());
      } else {
        send_paced(client, s.port(), std::move(m.bytes), replies);
        ++sent;
      }
    }
    if (!tcp_stream.empty()) {
      TcpClient tcp(s.resolver->tcp_port());
      tcp.send_raw(tcp_stream);
    }
  }
  for (const auto& file : files_in(packets / "c-ares-fuzzinput")) {
    send_paced(client, s.port(), read_binary(file), replies);
    ++sent;
  }
  drain(client, replies);
  INFO("datagrams sent " << sent << ", replies " << replies);
  CHECK(sent > 50);
  // Still serving once the junk it forwarded has timed out upstream: a fresh query is answered.
  CHECK(wait_until([&] {
    return udp_exchange_raw(build_query(0xA11E, "alive.example.com.", rr_type::kA), s.port(), 500ms).has_value();
  }, 5000ms, 100ms));
  check_still_serving(s);
}
