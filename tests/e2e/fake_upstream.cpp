// fake_upstream: a tiny scripted DNS server (UDP+TCP on one port) that records every query it gets.
//
// Usage: fake_upstream --port-file FILE --log FILE [--mode normal|down] [--answer-ip X] [--port N]
// Answers by name: default A <answer-ip> / AAAA 2001:db8::1 (TTL 300); big.* -> 100 A records;
// cloak.* -> CNAME tracker.blocked.test. + its A; silent.* -> no answer; servfail.* -> SERVFAIL; mismatch.* -> answer for another question.
// Faults (tests/e2e/test_faults.cpp): slow.* -> the answer 1.5 s late; wrongid.* -> another ID;
// garbage.* -> the ID and then bytes that are no DNS message; short.* -> the answer cut
// mid-record; tcreset.* -> TC=1 over UDP, and over TCP the connection reset unanswered.
// --port N binds that port (an upstream that went away comes back where it was).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dns_message.hpp"
#include "ldns_reader.hpp"

namespace sprout::e2e {
namespace {

using namespace sprout::test;

constexpr std::uint32_t kTtl = 300;
constexpr std::size_t kMaxConnections = 256;
constexpr const char* kMismatchName = "mismatched.example.";
constexpr const char* kCloakTarget = "tracker.blocked.test.";
constexpr const char* kMismatchIp = "203.0.113.66";
constexpr auto kSlowDelay = std::chrono::milliseconds(1500);

struct Options {
  std::string port_file;
  std::string log_file;
  std::string mode = "normal";
  std::string answer_ip = "192.0.2.1";
  std::uint16_t port = 0;  // 0: any free one
};

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

struct Connection {
  Fd fd;
  Bytes buffer;
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

std::optional<Options> parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const std::string value = argv[i + 1];
    if (key == "--port-file") o.port_file = value;
    else if (key == "--log") o.log_file = value;
    else if (key == "--mode") o.mode = value;
    else if (key == "--answer-ip") o.answer_ip = value;
    else if (key == "--port") o.port = static_cast<std::uint16_t>(std::stoul(value));
    else return std::nullopt;
  }
  if (argc % 2 == 0 || o.port_file.empty() || o.log_file.empty()) return std::nullopt;
  if (o.mode != "normal" && o.mode != "down") return std::nullopt;
  return o;
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

bool bind_to(int fd, std::uint16_t port) {
  const auto a = loopback(port);
  return ::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
}

std::uint16_t bound_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// UDP on an ephemeral port, then TCP on the same number; another process may hold that TCP
// port, so retry with a fresh UDP port a few times.
bool bind_pair(Fd& udp, Fd& tcp, std::uint16_t& port, std::uint16_t wanted) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    Fd u(::socket(AF_INET, SOCK_DGRAM, 0));
    if (u.get() < 0 || !bind_to(u.get(), wanted)) continue;
    port = bound_port(u.get());
    Fd t(::socket(AF_INET, SOCK_STREAM, 0));
    const int one = 1;
    ::setsockopt(t.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (t.get() < 0 || !bind_to(t.get(), port) || ::listen(t.get(), 64) != 0) continue;
    udp = std::move(u);
    tcp = std::move(t);
    return true;
  }
  return false;
}

bool write_port_file(const std::string& path, std::uint16_t port) {
  const std::string tmp = path + ".tmp";
  File f(std::fopen(tmp.c_str(), "w"));
  if (!f) return false;
  std::fprintf(f.get(), "%u\n", static_cast<unsigned>(port));
  f.reset();
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

bool starts_with_label(const std::string& name, std::string_view prefix) {
  return name.size() >= prefix.size() && names_equal(name.substr(0, prefix.size()), prefix);
}

void add_answers(Message& r, const Question& q, const Options& o) {
  if (starts_with_label(q.name, "big.")) {
    for (int i = 1; i <= 100; ++i) {
      r.answers.push_back(make_a(q.name, "198.18.0." + std::to_string(i), kTtl));
    }
  } else if (starts_with_label(q.name, "cloak.")) {
    // CNAME cloaking: an innocent name whose answer leads into tracker.blocked.test.
    r.answers.push_back(make_cname(q.name, kCloakTarget, kTtl));
    r.answers.push_back(make_a(kCloakTarget, o.answer_ip, kTtl));
  } else if (starts_with_label(q.name, "mismatch.")) {
    r.questions[0].name = kMismatchName;
    r.answers.push_back(make_a(kMismatchName, kMismatchIp, kTtl));
  } else if (q.qtype == rr_type::kA) {
    r.answers.push_back(make_a(q.name, o.answer_ip, kTtl));
  } else if (q.qtype == rr_type::kAaaa) {
    r.answers.push_back(make_aaaa(q.name, "2001:db8::1", kTtl));
  }
}

// Over UDP a real server truncates to the requester's EDNS size (512 without EDNS).
Bytes truncate_if_needed(Message r, std::size_t limit) {
  Bytes wire = encode(r);
  if (wire.size() <= limit) return wire;
  r.answers.clear();
  r.authority.clear();
  r.flags |= flag::kTc;
  return encode(r);
}

// What to do with one query: answer (maybe late), stay silent, or reset the connection.
struct Outcome {
  std::optional<Bytes> answer;
  bool late = false;   // slow.*: sent kSlowDelay after the query
  bool reset = false;  // tcreset.* over TCP
};

// The bytes of a faulty answer to `r` (a good one for its question), by the name's fault.
Bytes with_fault(const std::string& name, Message r, std::size_t limit, bool over_udp) {
  if (starts_with_label(name, "wrongid.")) r.id = static_cast<std::uint16_t>(r.id ^ 0x5555);
  if (starts_with_label(name, "tcreset.")) {
    r.answers.clear();
    r.flags |= flag::kTc;
  }
  Bytes wire = over_udp ? truncate_if_needed(std::move(r), limit) : encode(r);
  if (starts_with_label(name, "garbage.")) {
    wire.resize(2);  // the ID matches, nothing after it is DNS: header counts of 0xFFFF
    wire.insert(wire.end(), {0x81, 0x80, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xDE, 0xAD, 0xBE, 0xEF});
  } else if (starts_with_label(name, "short.")) {
    wire.resize(wire.size() - 3);  // cut inside the last record's data
  }
  return wire;
}

Outcome respond(const Message& query, const Options& o, bool over_udp) {
  if (o.mode == "down" || query.questions.empty()) return {};
  const Question& q = query.questions[0];
  if (starts_with_label(q.name, "silent.")) return {};
  if (!over_udp && starts_with_label(q.name, "tcreset.")) return {.answer = std::nullopt, .reset = true};
  Message r;
  r.id = query.id;
  r.flags = static_cast<std::uint16_t>(flag::kQr | flag::kAa | flag::kRa | (query.flags & 0x7900));  // opcode, RD
  r.questions = {q};
  std::size_t limit = 512;
  if (query.edns) {
    r.edns = Edns{.udp_size = query.edns->udp_size, .dnssec_ok = query.edns->dnssec_ok};
    limit = std::max<std::size_t>(512, query.edns->udp_size);
  }
  if (query.questions.size() != 1) {
    r.flags = static_cast<std::uint16_t>((r.flags & ~0xF) | rcode::kFormErr);
  } else if (starts_with_label(q.name, "servfail.")) {
    r.flags |= rcode::kServFail;
  } else {
    add_answers(r, q, o);
  }
  return {.answer = with_fault(q.name, std::move(r), limit, over_udp), .late = starts_with_label(q.name, "slow.")};
}

void log_query(std::FILE* log, const char* proto, const Message& q) {
  const std::string name = q.questions.empty() ? "-" : q.questions[0].name;
  const std::string type = q.questions.empty() ? "-" : type_to_string(q.questions[0].qtype);
  // EDNS option codes after the type ("opts=10,65001"), so a test can see what reached upstream.
  std::string opts;
  if (q.edns) {
    for (const auto& o : q.edns->options) opts += (opts.empty() ? " opts=" : ",") + std::to_string(o.code);
  }
  std::fprintf(log, "%s %u %s %s%s\n", proto, static_cast<unsigned>(q.id), name.c_str(), type.c_str(), opts.c_str());
  std::fflush(log);
}

// Queries are read with ldns: one it cannot parse is logged as such and never answered.
Outcome handle(std::span<const std::uint8_t> wire, const Options& o, std::FILE* log, const char* proto) {
  auto query = parse_message(wire);
  if (!query) {
    std::fprintf(log, "%s - UNPARSEABLE (%zu bytes) -\n", proto, wire.size());
    std::fflush(log);
    return {};
  }
  if (query->qr()) return {};
  log_query(log, proto, *query);
  return respond(*query, o, std::strcmp(proto, "udp") == 0);
}

// A UDP answer held back (slow.*) until `due`.
struct LateAnswer {
  std::chrono::steady_clock::time_point due;
  Bytes bytes;
  sockaddr_storage to;
  socklen_t to_len;
};

void serve_udp(int fd, const Options& o, std::FILE* log, std::deque<LateAnswer>& late) {
  std::uint8_t buf[65536];
  sockaddr_storage from{};
  socklen_t from_len = sizeof from;
  const auto n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
  if (n <= 0) return;
  Outcome out = handle({buf, static_cast<std::size_t>(n)}, o, log, "udp");
  if (!out.answer) return;
  if (out.late) {
    late.push_back({std::chrono::steady_clock::now() + kSlowDelay, std::move(*out.answer), from, from_len});
    return;
  }
  ::sendto(fd, out.answer->data(), out.answer->size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
}

// Sends what is due; returns the poll timeout until the next one (-1: none waiting).
int send_late(int fd, std::deque<LateAnswer>& late) {
  const auto now = std::chrono::steady_clock::now();
  while (!late.empty() && late.front().due <= now) {
    const LateAnswer& a = late.front();
    ::sendto(fd, a.bytes.data(), a.bytes.size(), 0, reinterpret_cast<const sockaddr*>(&a.to), a.to_len);
    late.pop_front();
  }
  if (late.empty()) return -1;
  return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(late.front().due - now).count()) + 1;
}

// Closes with an RST instead of a FIN: SO_LINGER with a zero timeout.
void reset_connection(int fd) {
  const linger hard{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
}

bool send_all(int fd, const Bytes& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const auto n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads what is there and answers every complete frame; false when the peer is gone.
bool serve_tcp(Connection& c, const Options& o, std::FILE* log) {
  std::uint8_t buf[65536];
  const auto n = ::recv(c.fd.get(), buf, sizeof buf, 0);
  if (n <= 0) return false;
  c.buffer.insert(c.buffer.end(), buf, buf + n);
  while (c.buffer.size() >= 2) {
    const std::size_t len = (std::size_t{c.buffer[0]} << 8) | c.buffer[1];
    if (c.buffer.size() < 2 + len) break;
    Outcome out = handle({c.buffer.data() + 2, len}, o, log, "tcp");
    c.buffer.erase(c.buffer.begin(), c.buffer.begin() + static_cast<std::ptrdiff_t>(2 + len));
    if (out.reset) {
      reset_connection(c.fd.get());
      return false;  // closed by the caller, with the RST
    }
    if (!out.answer) continue;
    const Bytes* answer = &*out.answer;
    Bytes framed{static_cast<std::uint8_t>(answer->size() >> 8),
                 static_cast<std::uint8_t>(answer->size() & 0xFF)};
    framed.insert(framed.end(), answer->begin(), answer->end());
    if (!send_all(c.fd.get(), framed)) return false;
  }
  return true;
}

void accept_one(int listener, std::vector<Connection>& connections) {
  Fd fd(::accept(listener, nullptr, nullptr));
  if (fd.get() >= 0 && connections.size() < kMaxConnections) {
    connections.push_back({std::move(fd), {}});
  }
}

[[noreturn]] void run(const Options& o, int udp, int tcp, std::FILE* log) {
  std::vector<Connection> connections;
  std::deque<LateAnswer> late;
  while (true) {
    std::vector<pollfd> fds{{udp, POLLIN, 0}, {tcp, POLLIN, 0}};
    for (const auto& c : connections) fds.push_back({c.fd.get(), POLLIN, 0});
    if (::poll(fds.data(), fds.size(), send_late(udp, late)) < 0) continue;
    if (fds[0].revents & POLLIN) serve_udp(udp, o, log, late);
    const std::size_t polled = connections.size();  // only these have an entry in `fds`
    if (fds[1].revents & POLLIN) accept_one(tcp, connections);
    std::vector<Connection> alive;
    for (std::size_t i = 0; i < connections.size(); ++i) {
      const bool ready = i < polled && (fds[i + 2].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
      if (!ready || serve_tcp(connections[i], o, log)) alive.push_back(std::move(connections[i]));
    }
    connections = std::move(alive);
  }
}

}  // namespace
}  // namespace sprout::e2e

int main(int argc, char** argv) {
  using namespace sprout::e2e;
  const auto options = parse_args(argc, argv);
  if (!options) {
    std::fprintf(stderr,
                 "usage: fake_upstream --port-file FILE --log FILE [--mode normal|down] "
                 "[--answer-ip X]\n");
    return 2;
  }
  File log(std::fopen(options->log_file.c_str(), "a"));
  Fd udp, tcp;
  std::uint16_t port = 0;
  if (!log || !bind_pair(udp, tcp, port, options->port) || !write_port_file(options->port_file, port)) {
    std::fprintf(stderr, "fake_upstream: setup failed: %s\n", std::strerror(errno));
    return 1;
  }
  std::fprintf(stderr, "fake_upstream: listening on 127.0.0.1:%u (%s)\n",
               static_cast<unsigned>(port), options->mode.c_str());
  run(*options, udp.get(), tcp.get(), log.get());
}
