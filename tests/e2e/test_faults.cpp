// End-to-end fault injection (issue 10): an upstream that drops, answers late, with a wrong
// ID or question, with garbage or cut bytes, TC=1 then a TCP reset, SERVFAIL storms, goes
// away and comes back; and a listener whose accept fails for real (EMFILE). Each case checks
// what the client gets, and that no blocked name ever reached the upstream.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <future>

#include "resolver_fixture.hpp"

using namespace sprout::e2e;
namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kStaleTtl = 7;  // stale_answer_ttl below: a stale answer is recognisable
const Expect kServfail{.rcode = rcode::kServFail, .ra = true, .ancount = 0};
const Expect kAnswered{.rcode = rcode::kNoError, .ra = true, .ancount = 1};
const Expect kBlocked{.rcode = rcode::kNxDomain, .ancount = 0, .nscount = 1};

// One upstream (300 ms, one try: every fault is decided well inside a client's 3 s),
// adult.test blocked, a 1 s cache with serve-stale, and the admin API on `admin`.
std::string fault_config(std::uint16_t upstream, const fs::path& dir, std::uint16_t admin) {
  write_file(dir / "adult.txt", "adult.test\n");
  const std::string d = dir.string();
  return "listen: [\"127.0.0.1:0\"]\nworkers: 1\n"
         "upstreams: [{address: 127.0.0.1, port: " + std::to_string(upstream) + ", timeout: 300ms, tries: 1}]\n"
         "state_dir: " + d + "/state\n"
         "categories: {adult: {}}\n"
         "lists: {adult: {category: adult, source: " + d + "/adult.txt}}\n"
         "profiles: {kids: {block: [adult]}}\n"
         "networks: {lo: {cidrs: [127.0.0.1/32], profile: kids}}\n"
         "cache: {max_ttl: 1s, serve_stale: true, stale_answer_ttl: " + std::to_string(kStaleTtl) + "s, prefetch: false}\n"
         "tcp: {idle_timeout: 5s, max_connections: 512, max_inflight_per_connection: 64}\n"
         "rate_limit: {qps: 0}\n"  // the storm is one client's 200 queries at once: faults here, not throttling
         "admin: {listen: \"127.0.0.1:" + std::to_string(admin) + "\"}\nstats: {enabled: false}\n";
}

struct FaultStack {
  TempDir dir;
  std::vector<std::unique_ptr<FakeUpstream>> upstreams;  // the current one last; all logs are checked
  std::unique_ptr<Resolver> resolver;
  std::uint16_t admin = free_tcp_port();

  explicit FaultStack(const std::vector<std::string>& extra_args = {}) {
    upstreams.push_back(std::make_unique<FakeUpstream>(dir.path(), "up0", UpstreamSpec{}));
    resolver = std::make_unique<Resolver>(dir.path(), fault_config(upstreams[0]->port(), dir.path(), admin), extra_args);
  }
  [[nodiscard]] std::uint16_t upstream_port() const { return upstreams.front()->port(); }
  std::optional<Reply> ask(std::string_view name, const Expect& expect, std::uint16_t id = 0x4641) const {
    return udp_exchange(build_query(id, name, rr_type::kA, Edns{1232}), resolver->udp_port(), 3000ms, "127.0.0.1", expect);
  }
  // Whatever else happens, a blocked name is answered here and never leaves the resolver.
  void check_blocked_stays_home() const {
    CHECK(ask("www.adult.test.", kBlocked));
    for (const auto& u : upstreams) {
      for (const auto& line : u->log_lines()) {
        INFO(line);
        CHECK(line.find("adult.test") == std::string::npos);
      }
    }
  }
  void upstream_goes_away() { upstreams.back()->process().terminate(); }
  void upstream_comes_back() {
    const std::string name = "up" + std::to_string(upstreams.size());
    upstreams.push_back(std::make_unique<FakeUpstream>(dir.path(), name, UpstreamSpec{.port = upstream_port()}));
  }
};

}  // namespace

TEST_CASE("faults: an upstream that misbehaves costs the client a SERVFAIL, never a wrong answer", "[resolver][faults]") {
  SPROUT_REQUIRE_RESOLVER();
  FaultStack s;
  REQUIRE(s.ask("fine.example.", kAnswered));

  SECTION("drops the query") { CHECK(s.ask("silent.example.", kServfail)); }
  SECTION("answers after the timeout: SERVFAIL, and the late answer is not cached") {
    CHECK(s.ask("slow.example.", kServfail));
    CHECK(s.ask("slow.example.", kServfail, 0x4642));  // asked again: not answered from the late reply
  }
  SECTION("answers with another ID") { CHECK(s.ask("wrongid.example.", kServfail)); }
  SECTION("answers another question") {
    auto r = s.ask("mismatch.example.", {.qname = "mismatch.example."});
    REQUIRE(r);
    CHECK(r->answer_ips() != std::vector<std::string>{"203.0.113.66"});  // the other question's address
    CHECK(r->rcode() == rcode::kServFail);
  }
  SECTION("answers with garbage after the ID") { CHECK(s.ask("garbage.example.", kServfail)); }
  SECTION("answers with a message cut short") { CHECK(s.ask("short.example.", kServfail)); }
  SECTION("sets TC over UDP, then resets the TCP connection") {
    CHECK(s.ask("tcreset.example.", kServfail));
    CHECK(s.upstreams[0]->saw_query("tcreset.example.", "tcp"));  // the retry over TCP did happen
  }
  SECTION("a SERVFAIL storm: every client gets SERVFAIL, and good names still resolve") {
    std::vector<std::future<std::optional<Bytes>>> storm;
    for (int i = 0; i < 200; ++i) {
      const Bytes q = build_query(static_cast<std::uint16_t>(i), "servfail.s" + std::to_string(i % 20) + ".example.", rr_type::kA);
      storm.push_back(std::async(std::launch::async, [q, port = s.resolver->udp_port()] { return udp_exchange_raw(q, port); }));
    }
    int servfails = 0;
    for (auto& f : storm) {
      const auto wire = f.get();
      if (wire && checked_reply(*wire, kServfail).rcode() == rcode::kServFail) ++servfails;
    }
    CHECK(servfails == 200);
    CHECK(s.ask("after-storm.example.", kAnswered));
  }
  CHECK(s.ask("still-fine.example.", kAnswered));  // one bad answer never poisons the next query
  s.check_blocked_stays_home();
}

TEST_CASE("faults: an upstream that goes away and comes back", "[resolver][faults]") {
  SPROUT_REQUIRE_RESOLVER();
  FaultStack s;
  REQUIRE(s.ask("stale.example.", kAnswered));  // cached for 1 s (max_ttl)
  s.upstream_goes_away();

  // Once its second in the cache is over, the name is served stale (RFC 8767) instead of SERVFAIL.
  std::optional<Reply> stale;
  CHECK(wait_until([&] {
    stale = s.ask("stale.example.", kAnswered);
    return stale && stale->answers.at(0).ttl == kStaleTtl;
  }, 5000ms, 100ms));
  REQUIRE(stale);
  CHECK(stale->answer_ips() == std::vector<std::string>{"192.0.2.1"});
  CHECK(s.ask("never-cached.example.", kServfail));
  s.check_blocked_stays_home();

  s.upstream_comes_back();  // same port, no restart of the resolver
  CHECK(wait_until([&] {
    auto r = udp_exchange_raw(build_query(0x4643, "back.example.", rr_type::kA, Edns{1232}), s.resolver->udp_port());
    return r && checked_reply(*r, {}).rcode() == rcode::kNoError;
  }, 5000ms, 100ms));
  auto fresh = s.ask("stale.example.", kAnswered);
  REQUIRE(fresh);
  CHECK(fresh->answers.at(0).ttl != kStaleTtl);  // fetched again, not the stale copy
  CHECK(s.upstreams.back()->saw_query("stale.example."));
  s.check_blocked_stays_home();
}

namespace {

// One HTTP/1.1 connection kept open: the way to ask /health while the resolver cannot open
// a new descriptor.
class KeepAliveHttp {
 public:
  explicit KeepAliveHttp(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const timeval timeout{3, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) close();
  }
  ~KeepAliveHttp() { close(); }
  KeepAliveHttp(const KeepAliveHttp&) = delete;
  KeepAliveHttp& operator=(const KeepAliveHttp&) = delete;

  // The status line and body of GET `path`, or "" when the connection failed.
  std::string get(const std::string& path) {
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (fd_ < 0 || ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) return "";
    std::string in;
    std::size_t end = std::string::npos, length = 0;
    while (end == std::string::npos || in.size() < end + 4 + length) {
      char buf[4096];
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return "";
      in.append(buf, static_cast<std::size_t>(n));
      if (end == std::string::npos && (end = in.find("\r\n\r\n")) != std::string::npos) {
        const auto at = in.find("Content-Length: ");
        length = at < end ? std::stoul(in.substr(at + 16)) : 0;
      }
    }
    return in.substr(0, in.find("\r\n")) + "\n" + in.substr(end + 4, length);
  }

 private:
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd_;
};

std::size_t open_descriptors(pid_t pid) {
  const auto dir = fs::path("/proc") / std::to_string(pid) / "fd";
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

// [starved]: not run against a sanitized build (see tests/e2e/CMakeLists.txt): the sanitizer
// runtime itself needs descriptors that this case takes away.
TEST_CASE("faults: a listener whose accept fails shows in /health and /metrics, and recovers", "[resolver][faults][starved]") {
  SPROUT_REQUIRE_RESOLVER();
  // Kept as the test's own user: lowering another user's limits takes CAP_SYS_RESOURCE,
  // which containers often withhold from root.
  FaultStack s({"--user", "root"});
  std::unique_ptr<KeepAliveHttp> connection;
  REQUIRE(wait_until([&] {  // the admin API opens after the ready file is written
    connection = std::make_unique<KeepAliveHttp>(s.admin);
    return connection->get("/health") == "HTTP/1.1 200 OK\nok\n";
  }, 5000ms, 50ms));
  KeepAliveHttp& admin = *connection;
  const pid_t pid = s.resolver->process().pid();
  const std::string tcp_listener = "tcp 127.0.0.1:" + std::to_string(s.resolver->tcp_port());

  // A real error, from outside the process: no descriptor left, so accept() fails with
  // EMFILE while the connections wait in the backlog.
  rlimit old{};
  REQUIRE(::prlimit(pid, RLIMIT_NOFILE, nullptr, &old) == 0);
  rlimit tight = old;
  tight.rlim_cur = open_descriptors(pid);
  REQUIRE(::prlimit(pid, RLIMIT_NOFILE, &tight, nullptr) == 0);
  // Descriptors the resolver frees later (an admin connection closing) leave room for a
  // few more accepts: connect until one waits in the backlog and the listener says so.
  std::vector<std::unique_ptr<TcpClient>> waiting;
  const auto starved = [&](const std::string& path, const std::string& sign) {
    std::string text;
    wait_until([&] {
      if (waiting.size() < 64) waiting.push_back(std::make_unique<TcpClient>(s.resolver->tcp_port()));
      text = admin.get(path);
      return text.find(sign) != std::string::npos;
    }, 5000ms, 50ms);
    return text;
  };
  const std::string failing = tcp_listener + " (worker 0) not serving: failing";
  const std::string health = starved("/health", failing);
  INFO(health);
  CHECK(health.starts_with("HTTP/1.1 503"));
  CHECK(health.find(failing) != std::string::npos);
  CHECK(health.find("Too many open files") != std::string::npos);
  CHECK(health.find("udp 127.0.0.1") == std::string::npos);  // only the failing one is named
  const std::string down = "sprout_listener_serving{listener=\"" + tcp_listener + "\",worker=\"0\"} 0";
  CHECK(starved("/metrics", down).find(down) != std::string::npos);
  // The UDP listener goes on (a blocked name: a miss may need a new upstream socket, and
  // gets SERVFAIL while there is none).
  CHECK(s.ask("www.adult.test.", kBlocked));

  REQUIRE(::prlimit(pid, RLIMIT_NOFILE, &old, nullptr) == 0);
  CHECK(wait_until([&] { return admin.get("/health") == "HTTP/1.1 200 OK\nok\n"; }, 5000ms, 50ms));
  REQUIRE(waiting.back()->send_framed({build_query(0x4644, "queued.example.", rr_type::kA)}));
  CHECK(waiting.back()->read_framed(3000ms, kAnswered));  // the connection that waited is served
  const std::string after = admin.get("/metrics");
  INFO(after);
  CHECK(after.find("sprout_listener_serving{listener=\"" + tcp_listener + "\",worker=\"0\"} 1") != std::string::npos);
  CHECK(after.find("sprout_listener_errors_total{listener=\"" + tcp_listener + "\",worker=\"0\"} 0") == std::string::npos);
  CHECK(s.resolver->process().stderr_text().find(tcp_listener + ": serving again after") != std::string::npos);
}
