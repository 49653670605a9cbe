// End-to-end: the systemd notify protocol as the packaged unit (Type=notify, WatchdogSec=)
// uses it: READY=1 once serving, WATCHDOG=1 while the workers answer, RELOADING=1 and READY=1
// around a SIGHUP, STOPPING=1 on SIGTERM; received on a real unix datagram socket. READY and
// the ready file come once every listener (DNS, admin, block page) is bound.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <map>
#include <sstream>

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

TEST_CASE("READY and the ready file mean every listener answers, the admin API and block page included",
          "[resolver][systemd]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  NotifySocket notify(dir / "notify");
  std::string config = make_config({upstream.port()}, ResolverOptions{});
  config.replace(config.find("admin: {enabled: false}"), std::string("admin: {enabled: false}").size(),
                 "admin: {listen: \"127.0.0.1:0\", token: ready-token-0123456789}\n"
                 "blockpage: {listen: \"127.0.0.1:0\"}");
  write_file(dir / "sprout.yaml", config);
  Process p({"/usr/bin/env", "NOTIFY_SOCKET=" + (dir / "notify").string(), sproutdns_path(), "serve", "--config",
             (dir / "sprout.yaml").string(), "--ready-file", (dir / "ready").string()},
            dir / "out", dir / "err");
  INFO(p.stderr_text());
  REQUIRE(wait_until([&] { return fs::exists(dir / "ready"); }, 10000ms));
  // The ready file names the HTTP listeners too, and they take a request right away (no
  // retry: a refused connection is curl's 000).
  std::map<std::string, std::string> port;
  for (const auto& line : read_lines(dir / "ready")) {
    std::istringstream in(line);
    std::string kind, address, number;
    if (in >> kind >> address >> number) port[kind] = number;
  }
  REQUIRE(port.count("admin") == 1);
  REQUIRE(port.count("blockpage") == 1);
  const auto status = [](const std::string& url) {
    return run_command("curl -s -o /dev/null -w '%{http_code}' --max-time 5 '" + url + "'").output;
  };
  CHECK(status("http://127.0.0.1:" + port["admin"] + "/health") != "000");
  CHECK(status("http://127.0.0.1:" + port["blockpage"] + "/") != "000");
  REQUIRE(wait_until([&] { return notify.count("READY=1") == 1; }, 10000ms));
  CHECK(status("http://127.0.0.1:" + port["admin"] + "/metrics") == "200");
  p.signal(SIGTERM);
  CHECK(p.wait_exit(5000ms) == std::optional<int>(0));
}
