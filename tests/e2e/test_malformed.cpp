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

Bytes header(std::uint16_t id, std::uint16_t flags, std::uint16_t qd, std::uint16_t an = 0,
             std::uint16_t ns = 0, std::uint16_t ar = 0) {
  Bytes b;
  for (std::uint16_t v : {id, flags, qd, an, ns, ar}) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v & 0xFF));
  }
  return b;
}

Bytes with_question_tail(Bytes b, std::initializer_list<std::uint8_t> name) {
  b.insert(b.end(), name);
  b.insert(b.end(), {0, 1, 0, 1});  // A IN
  return b;
}

Bytes long_name_query(std::uint16_t id) {
  Bytes b = header(id, 0x0100, 1);
  for (int label = 0; label < 5; ++label) {  // 5 x 64 = 320 bytes > 255
    b.push_back(63);
    b.insert(b.end(), 63, 'a');
  }
  b.push_back(0);
  b.insert(b.end(), {0, 1, 0, 1});
  return b;
}

Bytes with_flags(Bytes query, std::uint16_t flags) {
  query[2] = static_cast<std::uint8_t>(flags >> 8);
  query[3] = static_cast<std::uint8_t>(flags & 0xFF);
  return query;
}

Bytes two_questions(std::uint16_t id) {
  Bytes b = header(id, 0x0100, 2);
  for (const char* n : {"a.example.", "b.example."}) {
    append_name(b, n);
    b.insert(b.end(), {0, 1, 0, 1});
  }
  return b;
}

struct Case {
  const char* what;
  Bytes wire;
  std::optional<int> expected_rcode;  // nullopt: must be dropped
};

std::vector<Case> hostile_cases() {
  return {
      {"5-byte datagram", Bytes{0x12, 0x34, 0x01, 0x00, 0x00}, std::nullopt},
      {"QR=1 (a response)", with_flags(build_query(0x1001, "qr.example.", rr_type::kA), 0x8100),
       std::nullopt},
      {"compression loop", with_question_tail(header(0x1002, 0x0100, 1), {0xC0, 0x0C}), rcode::kFormErr},
      {"pointer out of range", with_question_tail(header(0x1003, 0x0100, 1), {0xC0, 0xFF}),
       rcode::kFormErr},
      {"reserved label type 0x40", with_question_tail(header(0x1004, 0x0100, 1), {0x41, 'a', 0}),
       rcode::kFormErr},
      {"name longer than 255", long_name_query(0x1005), rcode::kFormErr},
      {"qdcount=2", two_questions(0x1006), rcode::kFormErr},
      {"qdcount=0", header(0x1007, 0x0100, 0), rcode::kFormErr},
      {"question cut short", header(0x1008, 0x0100, 1), rcode::kFormErr},
      {"opcode 3", with_flags(build_query(0x1009, "op3.example.", rr_type::kA), 0x1900), rcode::kNotImp},
      {"EDNS version 1", build_query(0x100A, "badvers.example.", rr_type::kA, EdnsOptions{1232, 1}),
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

// A reply to junk must at least look like a DNS response.
void check_reply(const Bytes& wire) {
  auto m = parse_message(wire);
  CHECK(m.has_value());
  if (m) CHECK(m->qr());
}

// Sends one datagram, collecting whatever replies are already pending (paced, so the server's
// socket buffer is not the thing under test).
void send_paced(UdpClient& client, std::uint16_t port, Bytes datagram, int& replies) {
  if (datagram.size() > kMaxDatagram) datagram.resize(kMaxDatagram);
  client.send(datagram, port);
  std::this_thread::sleep_for(2ms);
  while (auto reply = client.receive(0ms)) {
    check_reply(*reply);
    ++replies;
  }
}

void drain(UdpClient& client, int& replies) {
  while (auto reply = client.receive(1500ms)) {
    check_reply(*reply);
    ++replies;
  }
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
    auto reply = client.receive(c.expected_rcode ? 2000ms : 700ms);
    if (!c.expected_rcode) {
      CHECK_FALSE(reply.has_value());
      continue;
    }
    REQUIRE(reply.has_value());
    REQUIRE(reply->size() >= 12);
    auto m = parse_message(*reply);
    REQUIRE(m.has_value());
    CHECK(m->id == ((c.wire[0] << 8) | c.wire[1]));
    CHECK(m->qr());
    INFO("got " << rcode_to_string(m->rcode()));
    CHECK(m->rcode() == *c.expected_rcode);
  }
  check_still_serving(s);
}

TEST_CASE("captured and fuzzed packets replayed raw do not hurt the server", "[resolver][malformed]") {
  SPROUT_REQUIRE_RESOLVER();
  const auto packets = shared_data_dir() / "packets";
  if (!fs::is_directory(packets / "tcpdump")) {
    WARN("shared packet data absent (" << packets.string() << "); capture replay skipped");
    return;
  }
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
  if (fs::is_directory(packets / "c-ares-fuzzinput")) {
    for (const auto& file : files_in(packets / "c-ares-fuzzinput")) {
      send_paced(client, s.port(), read_binary(file), replies);
      ++sent;
    }
  }
  drain(client, replies);
  INFO("datagrams sent " << sent << ", replies " << replies);
  CHECK(sent > 50);
  std::this_thread::sleep_for(1000ms);  // let forwarded junk time out upstream
  check_still_serving(s);
}
