#include "harness.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "catch_answer.hpp"

namespace sprout::e2e {
namespace fs = std::filesystem;

// ---- temp dir --------------------------------------------------------------------------

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "sprout-e2e-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
  // sproutdns started as root drops to `nobody` after binding and then reads its config and
  // lists (reloads) and writes its state dir here: the directory must be traversable.
  std::filesystem::permissions(path_, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                          std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                                          std::filesystem::perms::others_exec);
}

TempDir::~TempDir() {
  if (std::getenv("SPROUT_E2E_KEEP") != nullptr) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

// ---- processes -------------------------------------------------------------------------

namespace {

// The test runner's signal handlers (Catch2's) must never run in the child: the parent blocks
// every signal around fork, and the child resets dispositions before unblocking.
void reset_signals(const sigset_t& original_mask) {
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  }
  ::sigprocmask(SIG_SETMASK, &original_mask, nullptr);
}

[[noreturn]] void exec_child(const std::vector<char*>& argv, const char* out, const char* err,
                             pid_t parent, const sigset_t& original_mask) {
  reset_signals(original_mask);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test run
  if (::getppid() != parent) ::_exit(127);
  const int out_fd = ::open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int err_fd = ::open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out_fd < 0 || err_fd < 0) ::_exit(127);
  ::dup2(out_fd, STDOUT_FILENO);
  ::dup2(err_fd, STDERR_FILENO);
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

Process::Process(const std::vector<std::string>& argv, const fs::path& stdout_path,
                 const fs::path& stderr_path)
    : stderr_path_(stderr_path) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string out = stdout_path.string();
  const std::string err = stderr_path.string();
  const pid_t parent = ::getpid();
  sigset_t all, original;
  ::sigfillset(&all);
  ::sigprocmask(SIG_BLOCK, &all, &original);
  pid_ = ::fork();
  if (pid_ == 0) exec_child(args, out.c_str(), err.c_str(), parent, original);
  ::sigprocmask(SIG_SETMASK, &original, nullptr);
  if (pid_ < 0) throw std::runtime_error("fork failed");
}

Process::~Process() { terminate(); }

bool Process::running() { return !wait_exit(0ms).has_value(); }

std::optional<int> Process::wait_exit(Millis timeout) {
  const auto reaped = [this] {
    if (exit_code_) return true;
    int status = 0;
    pid_t r = 0;
    do {
      r = ::waitpid(pid_, &status, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == pid_) exit_code_ = decode_status(status);
    else if (r < 0) exit_code_ = -1;
    return exit_code_.has_value();
  };
  wait_until(reaped, timeout, 5ms);
  return exit_code_;
}

void Process::signal(int sig) const {
  if (!exit_code_ && pid_ > 0) ::kill(pid_, sig);
}

std::optional<int> Process::terminate(Millis grace) {
  if (pid_ <= 0) return std::nullopt;
  signal(SIGTERM);
  if (auto code = wait_exit(grace)) return code;
  signal(SIGKILL);
  return wait_exit(5000ms);
}

std::string Process::stderr_text() const { return read_file(stderr_path_); }

// ---- files -----------------------------------------------------------------------------

bool wait_for_file(const fs::path& path, Millis timeout) {
  return wait_until([&] {
    std::error_code ec;
    return fs::exists(path, ec) && fs::file_size(path, ec) > 0;
  }, timeout);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

Bytes read_binary(const fs::path& path) {
  const std::string s = read_file(path);
  return Bytes(s.begin(), s.end());
}

CommandResult run_command(const std::string& command) {
  CommandResult result;
  const std::string full = command + " 2>&1";
  std::FILE* pipe = ::popen(full.c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) result.output.append(buf, n);
  result.exit_code = decode_status(::pclose(pipe));
  return result;
}

// ---- sockets ---------------------------------------------------------------------------

namespace {

sockaddr_in ipv4(const std::string& ip, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  return a;
}

bool wait_readable(int fd, Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(std::max<long>(0, left))) > 0;
}

}  // namespace

UdpClient::UdpClient(const std::string& source_ip)
    : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
  const auto a = ipv4(source_ip, 0);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    throw std::runtime_error("cannot bind UDP socket to " + source_ip);
  }
}

UdpClient::~UdpClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool UdpClient::send(const Bytes& datagram, std::uint16_t port, const std::string& ip) const {
  const auto a = ipv4(ip, port);
  return ::sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<const sockaddr*>(&a),
                  sizeof a) == static_cast<ssize_t>(datagram.size());
}

std::optional<Bytes> UdpClient::receive_raw(Millis timeout) const {
  if (!wait_readable(fd_, Clock::now() + timeout)) return std::nullopt;
  Bytes buf(65536);
  const auto n = ::recv(fd_, buf.data(), buf.size(), 0);
  if (n < 0) return std::nullopt;
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

std::optional<Reply> UdpClient::receive(Millis timeout, const Expect& expect) const {
  auto wire = receive_raw(timeout);
  if (!wire) return std::nullopt;
  return checked_reply(std::move(*wire), expect);
}

Reply checked_reply(Bytes wire, const Expect& expect) {
  Reply r;
  static_cast<Message&>(r) = answer_of(wire, expect);
  r.wire = std::move(wire);
  return r;
}

Expect merged(Expect e, const Expect& base) {
  const auto fill = [](auto& field, const auto& from) {
    if (!field) field = from;
  };
  fill(e.id, base.id);
  fill(e.rcode, base.rcode);
  fill(e.opcode, base.opcode);
  fill(e.qr, base.qr);
  fill(e.aa, base.aa);
  fill(e.tc, base.tc);
  fill(e.rd, base.rd);
  fill(e.ra, base.ra);
  fill(e.qdcount, base.qdcount);
  fill(e.ancount, base.ancount);
  fill(e.nscount, base.nscount);
  fill(e.arcount, base.arcount);
  fill(e.opt, base.opt);
  fill(e.udp_size, base.udp_size);
  fill(e.max_size, base.max_size);
  fill(e.qname, base.qname);
  fill(e.qtype, base.qtype);
  fill(e.ede, base.ede);
  return e;
}

std::optional<Reply> udp_exchange(const Bytes& query, std::uint16_t port, Millis timeout,
                                  const std::string& source_ip, Expect expect) {
  UdpClient client(source_ip);
  if (!client.send(query, port)) return std::nullopt;
  Expect owed = reply_to(query);
  owed.max_size = udp_limit(query);
  return client.receive(timeout, merged(std::move(expect), owed));
}

std::optional<Bytes> udp_exchange_raw(const Bytes& query, std::uint16_t port, Millis timeout) {
  UdpClient client;
  if (!client.send(query, port)) return std::nullopt;
  return client.receive_raw(timeout);
}

TcpClient::TcpClient(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
  const auto a = ipv4("127.0.0.1", port);
  if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

TcpClient::~TcpClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool TcpClient::send_raw(const Bytes& bytes) const {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

bool TcpClient::send_framed(const std::vector<Bytes>& messages) const {
  Bytes all;
  for (const auto& m : messages) {
    all.push_back(static_cast<std::uint8_t>(m.size() >> 8));
    all.push_back(static_cast<std::uint8_t>(m.size() & 0xFF));
    all.insert(all.end(), m.begin(), m.end());
  }
  return send_raw(all);
}

bool TcpClient::fill(std::size_t wanted, Clock::time_point deadline) {
  std::uint8_t buf[65536];
  while (buffer_.size() < wanted) {
    if (!wait_readable(fd_, deadline)) return false;
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    buffer_.insert(buffer_.end(), buf, buf + n);
  }
  return true;
}

std::optional<Reply> TcpClient::read_framed(Millis timeout, const Expect& expect) {
  const auto deadline = Clock::now() + timeout;
  if (fd_ < 0 || !fill(2, deadline)) return std::nullopt;
  const std::size_t len = (std::size_t{buffer_[0]} << 8) | buffer_[1];
  if (!fill(2 + len, deadline)) return std::nullopt;
  Bytes message(buffer_.begin() + 2, buffer_.begin() + 2 + static_cast<std::ptrdiff_t>(len));
  buffer_.erase(buffer_.begin(), buffer_.begin() + 2 + static_cast<std::ptrdiff_t>(len));
  return checked_reply(std::move(message), expect);
}

void TcpClient::shutdown_write() const { ::shutdown(fd_, SHUT_WR); }

bool TcpClient::closed_by_peer(Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  std::uint8_t buf[4096];
  while (wait_readable(fd_, deadline)) {
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return true;
    buffer_.insert(buffer_.end(), buf, buf + n);
  }
  return false;
}

// ---- dig / kdig output -----------------------------------------------------------------

namespace {

std::vector<std::string> split_ws(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// "key: value" inside a header line whose fields end at ',' or ';'.
std::string field_after(const std::string& line, const std::string& key) {
  const auto at = line.find(key);
  if (at == std::string::npos) return {};
  auto start = line.find_first_not_of(' ', at + key.size());
  const auto end = line.find_first_of(",;", start);
  return start == std::string::npos ? std::string{} : line.substr(start, end - start);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

void parse_flags_line(const std::string& line, DigResult& r) {
  const auto colon = line.find(':');
  const auto semi = line.find(';', colon);
  for (const auto& f : split_ws(line.substr(colon + 1, semi - colon - 1))) r.flags.push_back(f);
}

std::optional<DigRecord> parse_record_line(const std::string& line) {
  const auto w = split_ws(line);
  if (w.size() < 4) return std::nullopt;
  DigRecord rec;
  rec.name = w[0];
  try {
    rec.ttl = static_cast<std::uint32_t>(std::stoul(w[1]));
  } catch (...) {
    return std::nullopt;
  }
  std::size_t i = 2;
  if (w[i] == "IN" || w[i] == "CH" || w[i] == "HS" || w[i].rfind("CLASS", 0) == 0) rec.klass = w[i++];
  if (i >= w.size()) return std::nullopt;
  rec.type = w[i++];
  for (; i < w.size(); ++i) rec.data += (rec.data.empty() ? "" : " ") + w[i];
  return rec;
}

}  // namespace

bool DigResult::has_flag(const std::string& f) const {
  return std::find(flags.begin(), flags.end(), f) != flags.end();
}

std::vector<std::string> DigResult::answer_data(const std::string& type) const {
  std::vector<std::string> out;
  for (const auto& a : answers) {
    if (a.type == type) out.push_back(a.data);
  }
  return out;
}

DigResult parse_dig_output(const std::string& text) {
  DigResult r;
  std::istringstream in(text);
  std::string section;  // empty until a ";; X SECTION:" title; +noall +answer prints none
  for (std::string line; std::getline(in, line);) {
    if (line.find("->>HEADER<<-") != std::string::npos) {
      r.got_header = true;
      r.status = field_after(line, "status:");
      const auto id = field_after(line, "id:");
      r.id = id.empty() ? -1 : std::stoi(id);
    } else if (lower(line).rfind(";; flags:", 0) == 0) {
      parse_flags_line(line, r);
    } else if (line.rfind(";; ", 0) == 0 && line.find(" SECTION:") != std::string::npos) {
      section = line.substr(3, line.find(' ', 3) - 3);
    } else if (line.empty() || line[0] == ';') {
      continue;
    } else if (section.empty() || section == "ANSWER") {
      if (auto rec = parse_record_line(line)) r.answers.push_back(*rec);
    }
  }
  return r;
}

std::string today_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

}  // namespace sprout::e2e
