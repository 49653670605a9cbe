// PgServer: a throwaway PostgreSQL cluster per test.
#include "pg_server.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace sprout::test {
namespace {

unsigned short free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("no free loopback port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string run(const std::string& command, int* status = nullptr) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) throw std::runtime_error("cannot run: " + command);
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int rc = ::pclose(p);
  if (status != nullptr) *status = rc;
  else if (rc != 0) throw std::runtime_error(command + " failed:\n" + out);
  return out;
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string PgServer::bin(const std::string& tool) {
  for (const char* dir : {"/usr/lib/postgresql/15/bin/", "/usr/local/bin/", "/usr/bin/"})
    if (::access((std::string(dir) + tool).c_str(), X_OK) == 0) return std::string(dir) + tool;
  throw std::runtime_error(tool + " not found (Debian package postgresql-15)");
}

std::string PgServer::as_user(const std::string& command) const {
  return ::geteuid() == 0 ? "runuser -u nobody -- sh -c " + quote(command) : command;
}

PgServer::PgServer() {
  std::random_device rd;
  dir_ = std::filesystem::temp_directory_path() / ("sprout-pg-" + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(dir_);
  if (::geteuid() == 0) run("chown nobody " + quote(dir_.string()));
  port_ = free_tcp_port();
  run(as_user(bin("initdb") + " -D " + quote((dir_ / "data").string()) +
              " -U sprout --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync -N"));
  start();
}

PgServer::~PgServer() {
  try {
    if (running_) run(as_user(bin("pg_ctl") + " -D " + quote((dir_ / "data").string()) + " -m immediate -w stop"));
  } catch (...) {
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void PgServer::start() {
  // Unix socket in our directory (not /var/run/postgresql), loopback TCP on the free port.
  const std::string opts = "-p " + std::to_string(port_) + " -k " + dir_.string() +
                           " -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off";
  int status = 0;
  run(as_user(bin("pg_ctl") + " -D " + quote((dir_ / "data").string()) + " -o " + quote(opts) + " -l " +
              quote((dir_ / "log").string()) + " -w -t 30 start"),
      &status);
  if (status != 0) throw std::runtime_error("postgresql did not start:\n" + slurp(dir_ / "log"));
  running_ = true;
}

void PgServer::kill() {
  run(as_user(bin("pg_ctl") + " -D " + quote((dir_ / "data").string()) + " -m immediate -w stop"));
  running_ = false;
}

std::string PgServer::conninfo(const std::string& user) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=postgres user=" + user;
}

std::string PgServer::psql(const std::string& sql) const {
  return run("psql -X -q -A -t " + quote(conninfo()) + " -c " + quote(sql));
}

}  // namespace sprout::test
