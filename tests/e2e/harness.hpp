// Process, file, socket and dig-output helpers for the end-to-end tests (all RAII).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "answer_check.hpp"
#include "dns_message.hpp"
#include "free_port.hpp"
#include "message_builder.hpp"
#include "wait_until.hpp"

namespace sprout::e2e {

// The one DNS test library (tests/support): Message, MessageBuilder, Expect, wait_until, ...
using namespace sprout::test;

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

// A fresh directory under $TMPDIR, removed with its contents on destruction
// (kept when SPROUT_E2E_KEEP is set, for post-mortems).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// A child process (fork/exec) with stdout/stderr redirected to files. The destructor sends
// SIGTERM, then SIGKILL if it is still there; the child also dies with the test (PDEATHSIG).
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::filesystem::path& stdout_path,
          const std::filesystem::path& stderr_path);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool running();
  // The exit code (128+signal if killed by one), or nullopt if still running after `timeout`.
  std::optional<int> wait_exit(Millis timeout);
  void signal(int sig) const;
  std::optional<int> terminate(Millis grace = 3000ms);  // SIGTERM, then SIGKILL after grace
  [[nodiscard]] std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::filesystem::path stderr_path_;
};

bool wait_for_file(const std::filesystem::path& path, Millis timeout);
std::string read_file(const std::filesystem::path& path);
std::vector<std::string> read_lines(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& content);
Bytes read_binary(const std::filesystem::path& path);

// A TCP port nothing listens on right now (the resolver binds it moments later).
using sprout::test::free_tcp_port;
// Today's date in UTC, YYYY-MM-DD (report and query-log ranges).
std::string today_utc();

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr interleaved
};
CommandResult run_command(const std::string& command);

// One DNS message received from the server: ldns's reading of it, and the bytes. Every
// helper that returns one has already run it through ldns (a packet ldns cannot parse fails
// the test there) and through the expectations it was given.
struct Reply : Message {
  Bytes wire;
};
// Catch2 glue: ldns reads `wire`, `expect` is checked (only from the test's own thread).
Reply checked_reply(Bytes wire, const Expect& expect);

// A UDP socket bound to a chosen loopback source address (127.0.0.x) and an ephemeral port.
class UdpClient {
 public:
  explicit UdpClient(const std::string& source_ip = "127.0.0.1");
  ~UdpClient();
  UdpClient(const UdpClient&) = delete;
  UdpClient& operator=(const UdpClient&) = delete;
  bool send(const Bytes& datagram, std::uint16_t port, const std::string& ip = "127.0.0.1") const;
  // The next datagram, checked against `expect` (nullopt on timeout).
  [[nodiscard]] std::optional<Reply> receive(Millis timeout, const Expect& expect = {}) const;
  // The next datagram's bytes, unchecked: for threads other than the test's own.
  [[nodiscard]] std::optional<Bytes> receive_raw(Millis timeout) const;

 private:
  int fd_ = -1;
};

// One query over UDP and the first datagram back (nullopt on timeout). The reply must be
// what any reply to `query` owes it (reply_to) and fit the query's UDP limit, plus `expect`.
std::optional<Reply> udp_exchange(const Bytes& query, std::uint16_t port, Millis timeout = 3000ms,
                                  const std::string& source_ip = "127.0.0.1", Expect expect = {});
// The same without any check: for threads other than the test's own.
std::optional<Bytes> udp_exchange_raw(const Bytes& query, std::uint16_t port, Millis timeout = 3000ms);
// `expect` with every field that `base` sets and `expect` does not.
Expect merged(Expect expect, const Expect& base);

// A TCP connection to 127.0.0.1:port speaking RFC 7766 framing (2-byte length prefix).
class TcpClient {
 public:
  explicit TcpClient(std::uint16_t port);
  ~TcpClient();
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;
  [[nodiscard]] bool connected() const { return fd_ >= 0; }
  bool send_raw(const Bytes& bytes) const;
  bool send_framed(const std::vector<Bytes>& messages) const;  // back to back, one write
  // The next framed message, checked against `expect` (nullopt on timeout or EOF).
  [[nodiscard]] std::optional<Reply> read_framed(Millis timeout, const Expect& expect = {});
  void shutdown_write() const;
  // True when the server closes the connection (EOF or reset) within `timeout`.
  [[nodiscard]] bool closed_by_peer(Millis timeout);
  // What was read and not yet taken as a framed message (closed_by_peer keeps what it reads).
  [[nodiscard]] const Bytes& received() const { return buffer_; }

 private:
  bool fill(std::size_t wanted, Clock::time_point deadline);
  int fd_ = -1;
  Bytes buffer_;
};

struct DigRecord {
  std::string name;
  std::uint32_t ttl = 0;
  std::string klass;
  std::string type;
  std::string data;
};

// What dig/kdig print with `+noall +comments +answer` (kdig: header + answer section).
struct DigResult {
  bool got_header = false;
  std::string status;  // NOERROR, SERVFAIL, ...
  int id = -1;
  std::vector<std::string> flags;  // qr, rd, ra, tc, ...
  std::vector<DigRecord> answers;
  [[nodiscard]] bool has_flag(const std::string& f) const;
  [[nodiscard]] std::vector<std::string> answer_data(const std::string& type) const;
};
DigResult parse_dig_output(const std::string& text);

}  // namespace sprout::e2e
