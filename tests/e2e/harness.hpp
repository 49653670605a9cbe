// Process, file, socket and dig-output helpers for the end-to-end tests (all RAII).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dns_wire.hpp"

namespace sprout::e2e {

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

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr interleaved
};
CommandResult run_command(const std::string& command);

// A UDP socket bound to a chosen loopback source address (127.0.0.x) and an ephemeral port.
class UdpClient {
 public:
  explicit UdpClient(const std::string& source_ip = "127.0.0.1");
  ~UdpClient();
  UdpClient(const UdpClient&) = delete;
  UdpClient& operator=(const UdpClient&) = delete;
  bool send(const Bytes& datagram, std::uint16_t port, const std::string& ip = "127.0.0.1") const;
  [[nodiscard]] std::optional<Bytes> receive(Millis timeout) const;

 private:
  int fd_ = -1;
};

// One query over UDP, the first datagram back (or nullopt on timeout).
std::optional<Bytes> udp_exchange(const Bytes& query, std::uint16_t port, Millis timeout = 3000ms,
                                  const std::string& source_ip = "127.0.0.1");

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
  [[nodiscard]] std::optional<Bytes> read_framed(Millis timeout);
  void shutdown_write() const;
  // True when the server closes the connection (EOF or reset) within `timeout`.
  [[nodiscard]] bool closed_by_peer(Millis timeout);

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
