// End-to-end: DNS over TLS and over HTTPS with real clients (kdig, curl, openssl s_client) and
// certificates the test makes itself: a client ID in the SNI or the DoH path picks its profile,
// a wrong SNI is refused, bad DoH requests get their status, a certificate swapped on disk is
// served after SIGHUP (a bad one keeps the old), and a silent connection stalls nobody.
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <map>
#include <sstream>

#include "dnsdist_front.hpp"
#include "resolver_fixture.hpp"

using namespace sprout::e2e;

namespace {

constexpr const char* kServerName = "dns.test.example";

void must_run(const std::string& command) {
  const CommandResult r = run_command(command);
  INFO(command << "\n" << r.output);
  REQUIRE(r.exit_code == 0);
}

// A test CA, and a server certificate for kServerName and *.kServerName signed by it (the
// wildcard is what SNI client IDs need). `subject` tells two server certificates apart.
void make_certificates(const std::filesystem::path& dir, const std::string& subject) {
  const std::string d = dir.string();
  if (!std::filesystem::exists(dir / "ca.pem")) {
    must_run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj '/CN=Sprout Test CA' "
             "-keyout " + d + "/ca.key -out " + d + "/ca.pem 2>&1");
  }
  write_file(dir / "san.cnf", std::string("subjectAltName=DNS:") + kServerName + ",DNS:*." + kServerName + "\n");
  must_run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=" + subject + "' -keyout " + d +
           "/server.key -out " + d + "/server.csr 2>&1");
  must_run("openssl x509 -req -days 2 -in " + d + "/server.csr -CA " + d + "/ca.pem -CAkey " + d +
           "/ca.key -CAcreateserial -extfile " + d + "/san.cnf -out " + d + "/server.pem 2>&1");
  // Started as root, sproutdns re-reads the key on SIGHUP as the user it dropped to (nobody
  // here; README: the key must be readable by the service user).
  must_run("chmod 0644 " + d + "/server.key");
}

// A port from the ready file's "KIND ADDRESS PORT" lines ("dot", "doh").
std::uint16_t ready_port(const std::filesystem::path& dir, const std::string& wanted) {
  for (const std::string& line : read_lines(dir / "ready")) {
    std::istringstream in(line);
    std::string kind, address;
    int port = 0;
    if (in >> kind >> address >> port && kind == wanted) return static_cast<std::uint16_t>(port);
  }
  return 0;
}

std::string base64url(const Bytes& in) {
  static const char* const kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t bits = 0;
  int have = 0;
  for (const std::uint8_t b : in) {
    bits = (bits << 8) | b;
    for (have += 8; have >= 6; have -= 6) out += kAlphabet[(bits >> (have - 6)) & 63];
  }
  if (have > 0) out += kAlphabet[(bits << (6 - have)) & 63];
  return out;
}

// What curl got: the HTTP status, the HTTP version, the headers and the body.
struct HttpResult {
  int status = 0;
  std::string version;
  std::string headers;
  Bytes body;
};

struct DotStack {
  TempDir dir;
  std::unique_ptr<FakeUpstream> upstream;
  std::unique_ptr<Resolver> resolver;
  std::uint16_t port = 0;

  DotStack() {
    make_certificates(dir.path(), "first");
    upstream = std::make_unique<FakeUpstream>(dir.path(), "upstream", UpstreamSpec{});
    start(0, 0);
  }

  // (Re)starts the resolver; port 0 picks free ones.
  void start(std::uint16_t dot, std::uint16_t doh) {
    resolver.reset();
    std::string config = make_config({upstream->port()}, {});
    config += "profiles:\n  kids: {deny: [games.example]}\n"
              "tls: {certificate: server.pem, key: server.key, server_name: " + std::string(kServerName) + "}\n"
              "dot:\n  - {address: 127.0.0.1, port: " + std::to_string(dot) + ", handshake_timeout: 1s, idle_timeout: 2s}\n"
              "doh:\n  - {address: 127.0.0.1, port: " + std::to_string(doh) + ", handshake_timeout: 1s, idle_timeout: 2s}\n"
              "clients:\n  phone-an: {profile: kids}\n";
    resolver = std::make_unique<Resolver>(dir.path(), config);
    port = ready_port(dir.path(), "dot");
    doh_port = ready_port(dir.path(), "doh");
    REQUIRE(port != 0);
    REQUIRE(doh_port != 0);
  }
  std::uint16_t doh_port = 0;

  // curl against the DoH listener, as kServerName, trusting the test CA. `args` choose the
  // version, method and body.
  [[nodiscard]] HttpResult curl(const std::string& path, const std::string& args) const {
    const std::string p = std::to_string(doh_port);
    const auto body = dir / "body.bin";
    const auto head = dir / "headers.txt";
    std::filesystem::remove(body);
    const CommandResult r = run_command("curl -sS --max-time 5 --cacert " + (dir / "ca.pem").string() + " --resolve " +
                                        kServerName + ":" + p + ":127.0.0.1 -D " + head.string() + " -o " + body.string() +
                                        " -w '%{http_code} %{http_version}' " + args + " 'https://" + kServerName + ":" +
                                        p + path + "'");
    INFO(r.output);
    HttpResult h;
    std::istringstream(r.output) >> h.status >> h.version;
    h.headers = read_file(head);  // lowercased: HTTP/1.1 names are case-insensitive, HTTP/2 sends them lowercase
    std::transform(h.headers.begin(), h.headers.end(), h.headers.begin(), [](unsigned char c) { return std::tolower(c); });
    if (std::filesystem::exists(body)) h.body = read_binary(body);
    return h;
  }

  // kdig over TLS, verifying the certificate against the test CA, with this SNI.
  [[nodiscard]] CommandResult ask(const std::string& sni, const std::string& name) const {
    return kdig(port, "+tls-ca=" + (dir / "ca.pem").string() + " +tls-hostname=" + kServerName + " +tls-sni=" + sni +
                          " " + name + " A");
  }
  // The subject of the certificate the server presents now.
  [[nodiscard]] std::string presented_subject() const {
    return run_command("echo | openssl s_client -connect 127.0.0.1:" + std::to_string(port) + " -servername " +
                       kServerName + " 2>/dev/null | openssl x509 -noout -subject").output;
  }
};

}  // namespace

TEST_CASE("DoT: the client ID in the SNI picks its profile; no ID gets the listener's", "[resolver][dot]") {
  SPROUT_REQUIRE_RESOLVER();
  DotStack s;
  const DigResult kid = parse_dig_output(s.ask("phone-an." + std::string(kServerName), "games.example").output);
  CHECK(kid.status == "NXDOMAIN");
  const DigResult plain = parse_dig_output(s.ask(kServerName, "games.example").output);
  CHECK(plain.status == "NOERROR");
  CHECK(plain.answer_data("A") == std::vector<std::string>{"192.0.2.1"});
  // An ID nobody configured: the listener's default profile (default), so it resolves.
  const DigResult stranger = parse_dig_output(s.ask("tablet-x." + std::string(kServerName), "games.example").output);
  CHECK(stranger.status == "NOERROR");
  CHECK(wait_until([&] { return s.upstream->saw_query("games.example."); }, 2000ms));
}

TEST_CASE("DoT: an SNI that is not ours is refused in the handshake", "[resolver][dot]") {
  SPROUT_REQUIRE_RESOLVER();
  DotStack s;
  const CommandResult r = s.ask("dns.other.example", "games.example");
  INFO(r.output);
  CHECK_FALSE(parse_dig_output(r.output).got_header);
  CHECK(s.resolver->process().running());
  CHECK(parse_dig_output(s.ask(kServerName, "allowed.example").output).status == "NOERROR");  // still serving
}

TEST_CASE("DoT: SIGHUP serves a renewed certificate; a broken one keeps the old", "[resolver][dot]") {
  SPROUT_REQUIRE_RESOLVER();
  DotStack s;
  CHECK(s.presented_subject().find("CN = first") != std::string::npos);
  make_certificates(s.dir.path(), "second");
  s.resolver->process().signal(SIGHUP);
  CHECK(wait_until([&] { return s.presented_subject().find("CN = second") != std::string::npos; }, 5000ms));
  write_file(s.dir / "server.pem", "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n");
  s.resolver->process().signal(SIGHUP);
  CHECK(wait_until([&] { return s.resolver->process().stderr_text().find("keeping the running certificate") != std::string::npos; },
                   5000ms));
  CHECK(s.presented_subject().find("CN = second") != std::string::npos);
  CHECK(parse_dig_output(s.ask("phone-an." + std::string(kServerName), "games.example").output).status == "NXDOMAIN");
}

TEST_CASE("DoT: a certificate renewed on disk is served within seconds, even without SIGHUP", "[resolver][dot]") {
  SPROUT_REQUIRE_RESOLVER();
  DotStack s;
  CHECK(s.presented_subject().find("CN = first") != std::string::npos);
  make_certificates(s.dir.path(), "renewed");  // what certbot does; nobody sends SIGHUP
  CHECK(wait_until([&] { return s.presented_subject().find("CN = renewed") != std::string::npos; }, 8000ms));
  CHECK(s.resolver->process().stderr_text().find("tls: certificate re-read") != std::string::npos);
}

TEST_CASE("DoT: a silent connection stalls nobody and is closed at the handshake timeout", "[resolver][dot]") {
  SPROUT_REQUIRE_RESOLVER();
  DotStack s;
  TcpClient silent(s.port);  // connects, never says hello
  REQUIRE(silent.connected());
  TcpClient half(s.port);
  REQUIRE(half.send_raw(Bytes{0x16, 0x03, 0x01, 0x02, 0x00, 0x01}));  // the start of a ClientHello, then nothing
  const auto start = Clock::now();
  CHECK(parse_dig_output(s.ask(kServerName, "allowed.example").output).status == "NOERROR");
  CHECK(Clock::now() - start < 1000ms);
  CHECK(silent.closed_by_peer(3000ms));  // handshake_timeout: 1s
  CHECK(half.closed_by_peer(3000ms));
}

namespace {

// A DoT client that sends `count` queries in one TLS write (odd IDs games.example, even IDs
// allowed.example), then reads every answer, whatever their order; prints what came back.
constexpr const char* kPipelineClient = R"(import socket, ssl, struct, sys
port, ca, sni, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
ctx = ssl.create_default_context(cafile=ca)
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), 5), server_hostname=sni)
def query(i, name):
    m = struct.pack(">HHHHHH", i, 0x100, 1, 0, 0, 0) + b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
    return struct.pack(">H", len(m)) + m
s.sendall(b"".join(query(i, "games.example" if i % 2 else "allowed.example") for i in range(count)))
buf, got = b"", {}
while len(got) < count:
    while len(buf) < 2 or len(buf) < 2 + struct.unpack(">H", buf[:2])[0]:
        chunk = s.recv(65536)
        if not chunk:
            sys.exit("closed after %d answers" % len(got))
        buf += chunk
    n = struct.unpack(">H", buf[:2])[0]
    got[struct.unpack(">H", buf[2:4])[0]] = buf[5] & 15
    buf = buf[2 + n:]
print("answers", len(got), "nxdomain", sum(1 for i, rc in got.items() if i % 2 and rc == 3),
      "noerror", sum(1 for i, rc in got.items() if i % 2 == 0 and rc == 0))
)";

// A DoT client (TLS in memory BIOs, so it sees the records) that writes `count` queries for a
// blocked name as `count` TLS records in one send, after a first query has brought the session
// tickets; prints how many TLS records carried the answers.
constexpr const char* kRecordsClient = R"(import socket, ssl, struct, sys
port, ca, sni, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
sock = socket.create_connection(("127.0.0.1", port), 5)
tls = ssl.create_default_context(cafile=ca).wrap_bio(incoming := ssl.MemoryBIO(), outgoing := ssl.MemoryBIO(), server_hostname=sni)
def pump():  # what TLS wants sent goes out; returns the records that came in
    if outgoing.pending: sock.sendall(outgoing.read())
    data = sock.recv(65536)
    if not data: sys.exit("closed")
    incoming.write(data)
    return data
while True:
    try: tls.do_handshake(); break
    except ssl.SSLWantReadError: pump()
sock.sendall(outgoing.read())
def query(i):
    m = struct.pack(">HHHHHH", i, 0x100, 1, 0, 0, 0) + b"\x05games\x07example\x00" + struct.pack(">HH", 1, 1)
    return struct.pack(">H", len(m)) + m
def answers(n):  # reads until n answers came; returns the TLS records that carried them
    raw, plain = b"", b""
    while plain.count(b"\x05games\x07example\x00") < n:
        raw += pump()
        while True:  # one record per read
            try: plain += tls.read(65536)
            except ssl.SSLWantReadError: break
    records, at = 0, 0
    while at + 5 <= len(raw):
        records, at = records + 1, at + 5 + struct.unpack(">H", raw[at + 3:at + 5])[0]
    return records
tls.write(query(0)); answers(1)
for i in range(1, count + 1): tls.write(query(i))  # one record each, one send for all
print("records", answers(count))
)";

}  // namespace

TEST_CASE("DoT: the answers to queries read together leave in one TLS record", "[resolver][dot]") {
  SPROUT_REQUIRE_RESOLVER();
  DotStack s;
  write_file(s.dir / "records.py", kRecordsClient);
  // 10 queries in 10 records, one TCP segment: one read takes them all, and their answers
  // (blocked by the ID's profile, so made at once) go out in one record and one send.
  const CommandResult r = run_command("python3 " + (s.dir / "records.py").string() + " " + std::to_string(s.port) + " " +
                                      (s.dir / "ca.pem").string() + " phone-an." + kServerName + " 10 2>&1");
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK((r.output == "records 1\n" || r.output == "records 2\n"));
}

TEST_CASE("DoT: queries pipelined in one TLS write all get their answers; a session ticket resumes", "[resolver][dot]") {
  SPROUT_REQUIRE_RESOLVER();
  DotStack s;
  write_file(s.dir / "pipeline.py", kPipelineClient);
  const std::string ca = (s.dir / "ca.pem").string();
  // 100: more than the in-flight cap (64), so reading pauses and resumes; half are blocked by
  // the client ID's profile (answered at once), half go upstream (answered later).
  const CommandResult r = run_command("python3 " + (s.dir / "pipeline.py").string() + " " + std::to_string(s.port) + " " + ca +
                                      " phone-an." + kServerName + " 100 2>&1");
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("answers 100 nxdomain 50 noerror 50") != std::string::npos);

  const std::string connect = "openssl s_client -connect 127.0.0.1:" + std::to_string(s.port) + " -servername " +
                              kServerName + " -CAfile " + ca + " ";
  const std::string ticket = (s.dir / "session.pem").string();
  must_run("sleep 0.5 | " + connect + "-sess_out " + ticket + " > /dev/null 2>&1");  // stays to read the tickets
  const CommandResult resumed = run_command("sleep 0.5 | " + connect + "-sess_in " + ticket + " 2>&1");
  INFO(resumed.output);
  CHECK(resumed.output.find("Reused, TLSv1.3") != std::string::npos);
}

TEST_CASE("DoT: clients that hang up right after the handshake do not take the server down", "[resolver][dot]") {
  SPROUT_REQUIRE_RESOLVER();
  DotStack s;
  // s_time closes each connection as soon as its handshake is done, while the server is still
  // sending its session tickets: a send to a closed socket must be an error, never a SIGPIPE.
  const CommandResult r = run_command("openssl s_time -connect 127.0.0.1:" + std::to_string(s.port) + " -new -time 1 2>&1");
  INFO(r.output);
  CHECK(r.output.find("connections in") != std::string::npos);
  CHECK(s.resolver->process().running());
  CHECK(parse_dig_output(s.ask(kServerName, "allowed.example").output).status == "NOERROR");
}

namespace {

int rcode_of(const Bytes& m) { return m.size() >= 4 ? m[3] & 0xf : -1; }

}  // namespace

TEST_CASE("DoH: curl over HTTP/2 and HTTP/1.1, GET and POST; the path's client ID picks the profile", "[resolver][doh]") {
  SPROUT_REQUIRE_RESOLVER();
  DotStack s;
  const Bytes query = MessageBuilder::query("games.example", 1, 0).bytes;
  write_file(s.dir / "query.bin", std::string(query.begin(), query.end()));
  const std::string post = "-X POST -H 'Content-Type: application/dns-message' --data-binary @" + (s.dir / "query.bin").string();
  const std::string get = "?dns=" + base64url(query);
  for (const auto& [version, flag] : {std::pair{"2", "--http2"}, std::pair{"1.1", "--http1.1"}}) {
    for (const bool use_post : {false, true}) {
      INFO("HTTP/" << version << (use_post ? " POST" : " GET"));
      const std::string args = std::string(flag) + " " + (use_post ? post : "");
      const HttpResult kid = s.curl("/dns-query/phone-an" + (use_post ? std::string() : get), args);
      CHECK(kid.status == 200);
      CHECK(kid.version == version);
      CHECK(kid.headers.find("application/dns-message") != std::string::npos);
      CHECK(rcode_of(kid.body) == 3);  // kids: NXDOMAIN
      const HttpResult plain = s.curl("/dns-query" + (use_post ? std::string() : get), args);
      CHECK(plain.status == 200);
      CHECK(rcode_of(plain.body) == 0);
      CHECK(plain.headers.find("cache-control: max-age=") != std::string::npos);
    }
  }
}

TEST_CASE("DoH: bad requests get their status and the server keeps serving", "[resolver][doh]") {
  SPROUT_REQUIRE_RESOLVER();
  DotStack s;
  const Bytes query = MessageBuilder::query("allowed.example", 1, 0).bytes;
  write_file(s.dir / "query.bin", std::string(query.begin(), query.end()));
  write_file(s.dir / "big.bin", std::string(1 << 20, 'x'));
  const std::string file = "--data-binary @" + (s.dir / "query.bin").string();
  for (const char* version : {"--http2", "--http1.1"}) {
    INFO(version);
    const std::string v = std::string(version) + " ";
    CHECK(s.curl("/dns-query", v + "-X PUT -H 'Content-Type: application/dns-message' " + file).status == 405);
    CHECK(s.curl("/dns-query", v + "-X POST -H 'Content-Type: text/plain' " + file).status == 415);
    // HTTP/1.1: the 413 comes after the header while curl (no Expect: 100-continue) is still
    // sending its 1 MiB: the server drains the rest before it closes, or curl would meet a reset.
    CHECK(s.curl("/dns-query", v + "-H 'Expect:' -X POST -H 'Content-Type: application/dns-message' --data-binary @" +
                                   (s.dir / "big.bin").string()).status == 413);
    CHECK(s.curl("/dns-query?dns=not*base64", v).status == 400);
    CHECK(s.curl("/dns-query?other=1", v).status == 400);
    CHECK(s.curl("/somewhere-else?dns=" + base64url(query), v).status == 404);
    CHECK(rcode_of(s.curl("/dns-query?dns=" + base64url(query), v).body) == 0);
  }
  CHECK(s.resolver->process().running());
}

namespace {

// HTTP/2 by hand for h2c: a frame, and a GET whose header block is HPACK literals (RFC 7541
// 6.2.2: not indexed, no Huffman; every string here is shorter than 127 bytes).
Bytes h2_frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream, const Bytes& payload) {
  const auto n = payload.size();
  Bytes f{static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n), type, flags,
          static_cast<std::uint8_t>(stream >> 24), static_cast<std::uint8_t>(stream >> 16),
          static_cast<std::uint8_t>(stream >> 8), static_cast<std::uint8_t>(stream)};
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

Bytes h2_get(std::uint32_t stream, const std::string& path, const std::string& forwarded) {
  Bytes block;
  const auto literal = [&block](std::string_view name, std::string_view value) {
    block.push_back(0);
    block.push_back(static_cast<std::uint8_t>(name.size()));
    block.insert(block.end(), name.begin(), name.end());
    block.push_back(static_cast<std::uint8_t>(value.size()));
    block.insert(block.end(), value.begin(), value.end());
  };
  literal(":method", "GET");
  literal(":scheme", "http");
  literal(":path", path);
  literal(":authority", "proxy");
  if (!forwarded.empty()) literal("x-forwarded-for", forwarded);
  return h2_frame(1, 0x5, stream, block);  // HEADERS, END_STREAM | END_HEADERS
}

// The bodies (DATA frames) in a server's HTTP/2 bytes, by stream.
std::map<std::uint32_t, Bytes> h2_bodies(const Bytes& in) {
  std::map<std::uint32_t, Bytes> out;
  for (std::size_t at = 0; at + 9 <= in.size();) {
    const std::size_t length = (std::size_t{in[at]} << 16) | (std::size_t{in[at + 1]} << 8) | in[at + 2];
    const std::uint32_t stream = (std::uint32_t{in[at + 5] & 0x7fu} << 24) | (std::uint32_t{in[at + 6]} << 16) |
                                 (std::uint32_t{in[at + 7]} << 8) | in[at + 8];
    if (at + 9 + length > in.size()) break;
    if (in[at + 3] == 0) out[stream].insert(out[stream].end(), in.begin() + static_cast<std::ptrdiff_t>(at + 9),
                                            in.begin() + static_cast<std::ptrdiff_t>(at + 9 + length));
    at += 9 + length;
  }
  return out;
}

}  // namespace

TEST_CASE("DoH over plain HTTP behind a proxy, HTTP/1.1 and h2c: X-Forwarded-For names the client only from a trusted proxy; an oversize body is drained",
          "[resolver][doh]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream upstream(dir.path(), "upstream", UpstreamSpec{});
  const std::uint16_t admin = free_tcp_port();
  // No tls block: a plain-HTTP listener needs no certificate. 127.0.0.1 is the proxy; the
  // children's network is 192.0.2.0/24, behind it.
  const std::string config =
      "listen: [\"127.0.0.1:0\"]\nworkers: 1\nupstreams: [{address: 127.0.0.1, port: " + std::to_string(upstream.port()) +
      "}]\nadmin: {listen: \"127.0.0.1:" + std::to_string(admin) + "\"}\nstats: {enabled: false}\nrate_limit: {qps: 0}\n"
      "profiles:\n  kids: {deny: [games.example]}\n"
      "networks:\n  lo: {cidrs: [127.0.0.0/8], profile: default}\n  class: {cidrs: [192.0.2.0/24], profile: kids}\n"
      "doh:\n  - {address: 127.0.0.1, port: 0, plain_http: true, trusted_proxies: [127.0.0.1/32]}\n";
  Resolver resolver(dir.path(), config);
  const std::uint16_t port = ready_port(dir.path(), "doh");
  REQUIRE(port != 0);
  const std::string get = "'http://127.0.0.1:" + std::to_string(port) + "/dns-query?dns=" +
                          base64url(MessageBuilder::query("games.example", 1, 0).bytes) + "'";
  // The rcode (a byte of the answer) as curl's output: od prints the body's fourth byte.
  const auto rcode = [&](const std::string& args) {
    const CommandResult r = run_command("curl -sS --max-time 5 " + args + " " + get + " | od -An -tu1 -j3 -N1");
    INFO(r.output);
    const auto digit = r.output.find_first_of("0123456789");
    return r.output.find("curl") != std::string::npos || digit == std::string::npos ? -1 : std::stoi(r.output.substr(digit)) & 0xf;
  };
  CHECK(rcode("-H 'X-Forwarded-For: 192.0.2.7'") == 3);  // the class's profile: NXDOMAIN
  CHECK(rcode("-H 'X-Forwarded-For: 192.0.2.7, 127.0.0.1'") == 3);  // our proxy's own hop is skipped
  CHECK(rcode("") == 0);  // the proxy itself: lo, default
  // A client that writes its own header, straight to the listener from 127.0.0.2: ignored, counted.
  CHECK(rcode("--interface 127.0.0.2 -H 'X-Forwarded-For: 192.0.2.7'") == 0);
  CHECK(rcode("-H 'X-Forwarded-For: not-an-address'") == 0);  // unreadable: the peer, counted
  // HTTP/2 with prior knowledge (h2c, what HAProxy's `proto h2` speaks to a backend): the same rules.
  const std::string h2c = "--http2-prior-knowledge ";
  CHECK(run_command("curl -sS --max-time 5 -o /dev/null -w '%{http_version}' " + h2c + get).output == "2");
  CHECK(rcode(h2c + "-H 'X-Forwarded-For: 192.0.2.7'") == 3);
  CHECK(rcode(h2c + "-H 'X-Forwarded-For: 192.0.2.7, 127.0.0.1'") == 3);
  CHECK(rcode(h2c) == 0);
  CHECK(rcode(h2c + "--interface 127.0.0.2 -H 'X-Forwarded-For: 192.0.2.7'") == 0);  // counted
  // One h2c connection, two streams for two clients (a proxy multiplexes): each judged on its
  // own. By hand: curl 7.88 cannot reuse a prior-knowledge connection (curl issue 10634).
  const std::string path = "/dns-query?dns=" + base64url(MessageBuilder::query("games.example", 1, 0).bytes);
  const std::string preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  Bytes mux_bytes(preface.begin(), preface.end());
  for (const Bytes& f : {h2_frame(4, 0, 0, {}), h2_get(1, path, "192.0.2.7"), h2_get(3, path, ""), h2_frame(7, 0, 0, Bytes(8, 0))}) {
    mux_bytes.insert(mux_bytes.end(), f.begin(), f.end());  // SETTINGS, two requests, GOAWAY: the server closes when done
  }
  TcpClient mux(port);
  CHECK(mux.send_raw(mux_bytes));
  CHECK(mux.closed_by_peer(5000ms));
  const auto bodies = h2_bodies(mux.received());
  CHECK(rcode_of(bodies.count(1) ? bodies.at(1) : Bytes{}) == 3);  // 192.0.2.7: the class's profile
  CHECK(rcode_of(bodies.count(3) ? bodies.at(3) : Bytes{}) == 0);  // no header: the proxy itself, lo
  const std::string m = run_command("curl -s --max-time 5 'http://127.0.0.1:" + std::to_string(admin) + "/metrics'").output;
  CHECK(m.find("sprout_encrypted_forwarded_for_ignored_total{transport=\"doh\"} 3\n") != std::string::npos);

  // An oversize POST sent whole before reading: the 413 goes out after the header, then the
  // server drains the body. Closing with it unread would reset the connection under the
  // client's send (seen: send fails, no status read).
  TcpClient big(port);
  const std::string head = "POST /dns-query HTTP/1.1\r\nHost: proxy\r\nContent-Type: application/dns-message\r\n"
                           "Content-Length: 4194304\r\n\r\n";
  Bytes request(head.begin(), head.end());
  request.resize(request.size() + (4u << 20), 'x');
  CHECK(big.send_raw(request));
  CHECK(big.closed_by_peer(5000ms));
  CHECK(std::string(big.received().begin(), big.received().end()).starts_with("HTTP/1.1 413"));
}

TEST_CASE("DoH: broken HTTP/2 framing closes that connection only", "[resolver][doh]") {
  SPROUT_REQUIRE_RESOLVER();
  DotStack s;
  // ALPN h2, then bytes that are no HTTP/2 connection preface: nghttp2 refuses them and the
  // connection is closed (s_client -ign_eof waits for that close; 124 would be the timeout).
  const CommandResult broken = run_command("printf 'NOT-AN-HTTP2-PREFACE\\r\\n\\r\\n' | timeout 5 openssl s_client -ign_eof -alpn h2 "
                                           "-servername " + std::string(kServerName) + " -connect 127.0.0.1:" +
                                           std::to_string(s.doh_port) + " 2>&1");
  INFO(broken.output);
  CHECK(broken.output.find("ALPN protocol: h2") != std::string::npos);
  CHECK(broken.exit_code != 124);
  const Bytes query = MessageBuilder::query("allowed.example", 1, 0).bytes;
  CHECK(rcode_of(s.curl("/dns-query?dns=" + base64url(query), "--http2").body) == 0);
  CHECK(s.resolver->process().running());
}

TEST_CASE("DoH: kdig +https reaches the listener", "[resolver][doh]") {
  SPROUT_REQUIRE_RESOLVER();
  DotStack s;
  const CommandResult r = kdig(s.doh_port, "+https=/dns-query/phone-an +tls-ca=" + (s.dir / "ca.pem").string() +
                                               " +tls-hostname=" + kServerName + " games.example A");
  INFO(r.output);
  CHECK(parse_dig_output(r.output).status == "NXDOMAIN");
}

// A connection waits for its next request holding no read buffer (when_readable): a request
// that arrives later, and requests that arrive together, are all still read and answered.
TEST_CASE("DoH: one connection, requests together and after a pause, both HTTP versions", "[resolver][doh]") {
  SPROUT_REQUIRE_RESOLVER();
  DotStack s;
  const std::string path = "/dns-query?dns=" + base64url(MessageBuilder::query("allowed.example", 1, 0).bytes);
  const std::string url = "'https://" + std::string(kServerName) + ":" + std::to_string(s.doh_port) + path + "'";
  // HTTP/1.1 pipelined: two requests in one write, a third 300 ms later (it closes).
  const std::string get = "GET " + path + " HTTP/1.1\\r\\nHost: " + kServerName + "\\r\\n";
  const CommandResult h1 = run_command("(printf '" + get + "\\r\\n" + get + "\\r\\n'; sleep 0.3; printf '" + get +
                                       "Connection: close\\r\\n\\r\\n') | timeout 5 openssl s_client -quiet -alpn http/1.1 "
                                       "-servername " + kServerName + " -connect 127.0.0.1:" + std::to_string(s.doh_port) + " 2>&1");
  INFO(h1.output);
  std::size_t answered = 0;
  for (std::size_t at = h1.output.find("HTTP/1.1 200"); at != std::string::npos; at = h1.output.find("HTTP/1.1 200", at + 1)) ++answered;
  CHECK(answered == 3);
  CHECK(h1.exit_code != 124);  // the server closed after the third, before the client gave up
  // HTTP/2: curl asks its second URL on the connection the first one left idle.
  const CommandResult h2 = run_command("curl -sS --max-time 5 --http2 --cacert " + (s.dir / "ca.pem").string() + " --resolve " +
                                       kServerName + ":" + std::to_string(s.doh_port) + ":127.0.0.1 -o /dev/null -o /dev/null "
                                       "-w '%{http_code} %{http_version} %{num_connects}\\n' " + url + " " + url);
  INFO(h2.output);
  CHECK(h2.output == "200 2 1\n200 2 0\n");
}

TEST_CASE("DoH: a silent connection and a slow request stall nobody", "[resolver][doh]") {
  SPROUT_REQUIRE_RESOLVER();
  DotStack s;
  TcpClient silent(s.doh_port);
  REQUIRE(silent.connected());
  const Bytes query = MessageBuilder::query("allowed.example", 1, 0).bytes;
  const auto start = Clock::now();
  CHECK(rcode_of(s.curl("/dns-query?dns=" + base64url(query), "--http2").body) == 0);
  CHECK(Clock::now() - start < 1000ms);
  CHECK(silent.closed_by_peer(3000ms));
}

namespace {

// The DoT upstream's test bed: dnsdist's DoT frontend (the test's certificate) in front of a
// fake upstream, and a sproutdns whose only upstream it is.
struct DotUpstreamStack {
  TempDir dir;
  std::unique_ptr<FakeUpstream> upstream;
  std::unique_ptr<DnsdistFront> dnsdist;

  DotUpstreamStack() {
    make_certificates(dir.path(), "dnsdist");
    upstream = std::make_unique<FakeUpstream>(dir.path(), "upstream", UpstreamSpec{});
    dnsdist = std::make_unique<DnsdistFront>(dir / "dnsdist", upstream->port(), dir / "server.pem", dir / "server.key");
  }

  // A sproutdns forwarding to dnsdist over TLS, checking for `server_name` against `ca`
  // (default: the test CA); `extra` joins the upstream's tls block.
  [[nodiscard]] std::unique_ptr<Resolver> client(const std::string& name, const std::string& server_name,
                                                 std::filesystem::path ca = {}, const std::string& extra = "") const {
    if (ca.empty()) ca = dir / "ca.pem";
    std::filesystem::create_directories(dir / name);
    const std::string config = "listen: [\"127.0.0.1:0\"]\nworkers: 1\nupstreams:\n"
                               "  - {address: 127.0.0.1, port: " + std::to_string(dnsdist->port()) +
                               ", timeout: 2s, tries: 1, tls: {server_name: " + server_name + ", ca_file: " +
                               ca.string() + extra + "}}\n"
                               "cache: {max_entries: 0}\nadmin: {enabled: false}\nstats: {enabled: false}\n"
                               "rate_limit: {qps: 0}\nnetworks:\n  lo: {cidrs: [127.0.0.1/32], profile: default}\n";
    return std::make_unique<Resolver>(dir / name, config);
  }
};

}  // namespace

TEST_CASE("DoT upstream: queries go to dnsdist over verified TLS, pipelined, and come back after it restarts",
          "[resolver][dot-upstream]") {
  SPROUT_REQUIRE_RESOLVER();
  DotUpstreamStack s;
  const auto client = s.client("client", kServerName);
  CHECK(parse_dig_output(dig(client->udp_port(), "first.example A").output).answer_data("A") ==
        std::vector<std::string>{"192.0.2.1"});
  CHECK(wait_until([&] { return s.upstream->saw_query("first.example."); }, 2000ms));
  // Several at once share the connection (pipelined, answered in any order).
  std::string many;
  for (int i = 0; i < 8; ++i) many += " p" + std::to_string(i) + ".example A";
  const CommandResult r = run_command("dig @127.0.0.1 -p " + std::to_string(client->udp_port()) +
                                      " +time=3 +tries=1 +noall +answer" + many);
  for (int i = 0; i < 8; ++i) CHECK(r.output.find("p" + std::to_string(i) + ".example.") != std::string::npos);
  CHECK(s.dnsdist->connections() == 1);
  // dnsdist goes away and comes back on the same port: a later query reconnects (backoff).
  s.dnsdist->stop();
  CHECK(parse_dig_output(dig(client->udp_port(), "during.example A").output).status == "SERVFAIL");
  s.dnsdist->start();
  CHECK(wait_until([&] { return parse_dig_output(dig(client->udp_port(), "after.example A").output).status == "NOERROR"; },
                   15000ms));
  CHECK(s.upstream->saw_query("after.example."));
}

TEST_CASE("DoT upstream: under load another connection opens, up to max_connections, and closes when idle",
          "[resolver][dot-upstream]") {
  SPROUT_REQUIRE_RESOLVER();
  DotUpstreamStack s;
  const auto client = s.client("client", kServerName, {}, ", max_connections: 3, idle_timeout: 1s");
  REQUIRE(parse_dig_output(dig(client->udp_port(), "warm.example A").output).status == "NOERROR");
  CHECK(s.dnsdist->connections() == 1);
  // 80 queries the upstream never answers stay in flight (2 s timeout): more than one
  // connection should carry (16 each before another opens), never more than 3.
  UdpClient load;
  for (int i = 0; i < 80; ++i) REQUIRE(load.send(MessageBuilder::query("silent.q" + std::to_string(i) + ".example", 1, 0).bytes, client->udp_port()));
  CHECK(wait_until([&] { return s.dnsdist->connections() >= 3; }, 1500ms));
  CHECK(s.dnsdist->connections() == 3);
  // The connections under load still answer other queries.
  CHECK(parse_dig_output(dig(client->udp_port(), "meanwhile.example A").output).status == "NOERROR");
  // The silent queries time out (2 s); a second later the extra connections are idle and close
  // (dnsdist itself keeps idle connections for a minute here), one stays and still answers.
  CHECK(wait_until([&] { return s.dnsdist->connections() == 1; }, 6000ms));
  CHECK(parse_dig_output(dig(client->udp_port(), "after.example A").output).status == "NOERROR");
  CHECK(s.dnsdist->connections() == 1);
}

TEST_CASE("DoT upstream: an unverifiable upstream gets nothing, and nothing goes out in clear", "[resolver][dot-upstream]") {
  SPROUT_REQUIRE_RESOLVER();
  DotUpstreamStack s;
  // Another name than the certificate's ...
  const auto wrong_name = s.client("client1", "dns.elsewhere.example");
  CHECK(parse_dig_output(dig(wrong_name->udp_port(), "first.example A").output).status == "SERVFAIL");
  // ... and the right name from a CA the client does not trust.
  std::filesystem::create_directories(s.dir / "other");
  must_run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj '/CN=Other CA' -keyout " +
           (s.dir / "other" / "ca.key").string() + " -out " + (s.dir / "other" / "ca.pem").string() + " 2>&1");
  const auto untrusted = s.client("client2", kServerName, s.dir / "other" / "ca.pem");
  CHECK(parse_dig_output(dig(untrusted->udp_port(), "second.example A").output).status == "SERVFAIL");
  CHECK_FALSE(s.upstream->saw_query("first.example."));
  CHECK_FALSE(s.upstream->saw_query("second.example."));
}
