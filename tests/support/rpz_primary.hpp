// Test helper: a real RPZ primary (knotd or nsd) on 127.0.0.1 and a free port, serving one
// zone to a TSIG key (and NOTIFYing a secondary), in a temporary directory; stopped and
// removed with the object.
#pragma once

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include "free_port.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace sprout::test {

inline bool tcp_accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

enum class PrimaryKind { knot, nsd };

class RpzPrimary {
 public:
  static constexpr const char* kSecret = "c3Byb3V0LXRlc3Qta2V5LXNlY3JldC0zMmJ5dGVzISE=";
  static constexpr const char* kKeyName = "sprout-key";

  // `names`: the zone's triggers, each blocked (CNAME .); `notify_port`: a secondary to NOTIFY.
  explicit RpzPrimary(std::string zone, std::uint16_t notify_port = 0, PrimaryKind kind = PrimaryKind::knot)
      : zone_(std::move(zone)), kind_(kind) {
    char tmpl[] = "/tmp/sprout-primary-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    port_ = free_tcp_port();
    if (kind_ == PrimaryKind::knot) write_knot_conf(notify_port);
    else write_nsd_conf(notify_port);
  }
  ~RpzPrimary() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void write_zone(std::uint32_t serial, const std::vector<std::string>& blocked) {
    std::ofstream z(dir_ / "zone.txt.tmp");
    z << "$ORIGIN " << zone_ << ".\n$TTL 60\n@ SOA ns.invalid. hostmaster.invalid. " << serial
      << " 3600 600 86400 60\n@ NS ns.invalid.\n";
    for (const auto& n : blocked) z << n << " CNAME .\n";
    z.close();
    std::filesystem::rename(dir_ / "zone.txt.tmp", dir_ / "zone.txt");
  }

  bool start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      if (kind_ == PrimaryKind::knot) ::execlp("knotd", "knotd", "-c", conf().c_str(), static_cast<char*>(nullptr));
      else ::execlp("nsd", "nsd", "-d", "-c", conf().c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      if (tcp_accepts(port_)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  // Reloads the zone file; a new serial makes the primary NOTIFY (knotd also keeps the
  // difference for IXFR; nsd 4.6 answers IXFR with the whole zone).
  bool reload() {
    if (kind_ == PrimaryKind::nsd) return ::kill(pid_, SIGHUP) == 0;
    const std::string cmd = "knotc -c " + conf() + " -b zone-reload " + zone_ + " >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

 private:
  [[nodiscard]] std::string conf() const { return (dir_ / "primary.conf").string(); }

  void write_knot_conf(std::uint16_t notify_port) {
    std::ofstream conf(dir_ / "primary.conf");
    conf << "server:\n  listen: 127.0.0.1@" << port_ << "\n  rundir: " << dir_.string() << "\n"
         << "database:\n  storage: " << dir_.string() << "\n"
         << "log:\n  - target: " << (dir_ / "knot.log").string() << "\n    any: info\n"
         << "key:\n  - id: " << kKeyName << "\n    algorithm: hmac-sha256\n    secret: " << kSecret << "\n";
    if (notify_port != 0) conf << "remote:\n  - id: sprout\n    address: 127.0.0.1@" << notify_port << "\n    key: " << kKeyName << "\n";
    conf << "acl:\n  - id: xfr\n    address: 127.0.0.1\n    key: " << kKeyName << "\n    action: transfer\n"
         << "zone:\n  - domain: " << zone_ << "\n    storage: " << dir_.string() << "\n    file: zone.txt\n"
         << "    zonefile-load: difference\n    zonefile-sync: -1\n    acl: xfr\n"
         << (notify_port != 0 ? "    notify: sprout\n" : "");
  }

  void write_nsd_conf(std::uint16_t notify_port) {
    const std::string d = dir_.string();
    std::ofstream conf(dir_ / "primary.conf");
    conf << "server:\n  ip-address: 127.0.0.1@" << port_ << "\n  port: " << port_ << "\n  zonesdir: \"" << d << "\"\n"
         << "  pidfile: \"" << d << "/nsd.pid\"\n  database: \"\"\n  xfrdfile: \"" << d << "/xfrd.state\"\n"
         << "  zonelistfile: \"" << d << "/zone.list\"\n  username: \"\"\n  chroot: \"\"\n"
         << "  logfile: \"" << d << "/nsd.log\"\n  server-count: 1\n  verbosity: 2\n"
         << "remote-control:\n  control-enable: no\n"
         << "key:\n  name: " << kKeyName << "\n  algorithm: hmac-sha256\n  secret: \"" << kSecret << "\"\n"
         << "zone:\n  name: " << zone_ << "\n  zonefile: zone.txt\n  provide-xfr: 127.0.0.1 " << kKeyName << "\n";
    if (notify_port != 0) conf << "  notify: 127.0.0.1@" << notify_port << " " << kKeyName << "\n";
  }


  std::string zone_;
  PrimaryKind kind_ = PrimaryKind::knot;
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace sprout::test
