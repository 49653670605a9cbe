// End-to-end: the systemd notify protocol as the packaged unit (Type=notify, WatchdogSec=)
// uses it: READY=1 once serving, WATCHDOG=1 while the workers answer, RELOADING=1 and READY=1
// around a SIGHUP, STOPPING=1 on SIGTERM; received on a real unix datagram socket.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>

#include "resolver_fixture.hpp"

using namespace sprout::e2e;
namespace fs = std::filesystem;

namespace {

// The service manager's end: a bound datagram socket, read without blocking.
class NotifySocket {
 public:
  explicit NotifySocket(const fs::path& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path.string().size() < sizeof(addr.sun_path));
    std::strcpy(addr.sun_path, path.c_str());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    // Started as root, sproutdns sends from the user it dropped to (as systemd's own socket,
    // this one is writable by anyone who can reach it).
    fs::permissions(path, fs::perms::all);
    fs::permissions(path.parent_path(), fs::perms::others_exec, fs::perm_options::add);
  }
  ~NotifySocket() { ::close(fd_); }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  // Every message received so far, in order.
  const std::vector<std::string>& messages() {
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd_, buf, sizeof buf, 0)) > 0;) messages_.emplace_back(buf, static_cast<std::size_t>(n));
    return messages_;
  }
  std::size_t count(const std::string& needle) {
    std::size_t n = 0;
    for (const auto& m : messages()) n += m.find(needle) != std::string::npos ? 1 : 0;
    return n;
  }

 private:
  fs::path path_;
  int fd_ = -1;
  std::vector<std::string> messages_;
};

}  // namespace

TEST_CASE("sd_notify: READY once serving, the watchdog fed, RELOADING/READY around SIGHUP, STOPPING", "[resolver][systemd]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  NotifySocket notify(dir / "notify");
  write_file(dir / "sprout.yaml", make_config({upstream.port()}, ResolverOptions{}));
  // WATCHDOG_USEC as systemd sets it for WatchdogSec=; 400 ms: a feed every 200 ms.
  Process p({"/usr/bin/env", "NOTIFY_SOCKET=" + (dir / "notify").string(), "WATCHDOG_USEC=400000", sproutdns_path(),
             "serve", "--config", (dir / "sprout.yaml").string(), "--ready-file", (dir / "ready").string()},
            dir / "out", dir / "err");
  INFO(p.stderr_text());
  REQUIRE(wait_until([&] { return notify.count("READY=1") == 1; }, 10000ms));
  CHECK(fs::exists(dir / "ready"));  // listeners were bound before READY
  CHECK(wait_until([&] { return notify.count("WATCHDOG=1") >= 3; }, 10000ms));

  p.signal(SIGHUP);
  CHECK(wait_until([&] { return notify.count("READY=1") == 2; }, 10000ms));
  const auto& all = notify.messages();
  const auto reloading = std::find(all.begin(), all.end(), "RELOADING=1");
  REQUIRE(reloading != all.end());
  CHECK(std::find(reloading, all.end(), "READY=1") != all.end());  // READY again after RELOADING

  p.signal(SIGTERM);
  CHECK(p.wait_exit(5000ms) == std::optional<int>(0));
  CHECK(notify.count("STOPPING=1") == 1);
}
