// End-to-end: DNS over TLS with real clients (kdig, openssl s_client) and certificates the test
// makes itself: a client ID in the SNI picks its profile, a wrong SNI is refused, a certificate
// swapped on disk is served after SIGHUP (a bad one keeps the old), and a silent connection
// stalls nobody.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <sstream>

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

// The DoT port from the ready file's "dot ADDRESS PORT" line.
std::uint16_t dot_port(const std::filesystem::path& dir) {
  for (const std::string& line : read_lines(dir / "ready")) {
    std::istringstream in(line);
    std::string kind, address;
    int port = 0;
    if (in >> kind >> address >> port && kind == "dot") return static_cast<std::uint16_t>(port);
  }
  return 0;
}

struct DotStack {
  TempDir dir;
  std::unique_ptr<FakeUpstream> upstream;
  std::unique_ptr<Resolver> resolver;
  std::uint16_t port = 0;

  DotStack() {
    make_certificates(dir.path(), "first");
    upstream = std::make_unique<FakeUpstream>(dir.path(), "upstream", UpstreamSpec{});
    std::string config = make_config({upstream->port()}, {});
    config += "profiles:\n  kids: {deny: [games.example]}\n"
              "tls: {certificate: server.pem, key: server.key, server_name: " + std::string(kServerName) + "}\n"
              "dot:\n  - {address: 127.0.0.1, port: 0, handshake_timeout: 1s, idle_timeout: 2s}\n"
              "clients:\n  phone-an: {profile: kids}\n";
    resolver = std::make_unique<Resolver>(dir.path(), config);
    port = dot_port(dir.path());
    REQUIRE(port != 0);
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
