#include "dnsdist_front.hpp"

#include <stdexcept>

namespace sprout::e2e {
namespace fs = std::filesystem;

DnsdistFront::DnsdistFront(const fs::path& dir, std::uint16_t backend_port, const fs::path& certificate,
                           const fs::path& key)
    : dir_(dir), tls_port_(free_tcp_port()) {
  fs::create_directories(dir_);
  const std::string tls = "127.0.0.1:" + std::to_string(tls_port_);
  // setSecurityPollSuffix(""): no security-status lookups (a test never reaches the internet).
  // No controlSocket: no console. maxInFlight: answer a connection's queries concurrently,
  // out of order (0, the default, would answer them one by one). setUp(): the fake upstream
  // is up without health checks. setTCPRecvTimeout: idle client connections stay open for a
  // minute (the default closes them after 2 s), so what closes an idle connection is the client.
  write_file(dir_ / "dnsdist.conf",
             "setSecurityPollSuffix(\"\")\n"
             "setLocal(\"127.0.0.1:" + std::to_string(free_tcp_port()) + "\")\n"
             "addTLSLocal(\"" + tls + "\", \"" + certificate.string() + "\", \"" + key.string() +
                 "\", {maxInFlight=1000})\n"
             "setTCPRecvTimeout(60)\n"
             "newServer({address=\"127.0.0.1:" + std::to_string(backend_port) + "\"}):setUp()\n");
  start();
}

void DnsdistFront::start() {
  process_.reset();
  process_ = std::make_unique<Process>(
      std::vector<std::string>{"/usr/bin/dnsdist", "--supervised", "--disable-syslog", "-C", (dir_ / "dnsdist.conf").string()},
      dir_ / "dnsdist.stdout", dir_ / "dnsdist.stderr");
  if (!wait_until([&] { return TcpClient(tls_port_).connected(); }, 10000ms)) {
    throw std::runtime_error("dnsdist did not start: " + read_file(dir_ / "dnsdist.stdout") + process_->stderr_text());
  }
}

void DnsdistFront::stop() {
  if (process_) process_->terminate();
  process_.reset();
}

int DnsdistFront::connections() const {
  const CommandResult r =
      run_command("ss -Htn state established '( sport = :" + std::to_string(tls_port_) + " )' | wc -l");
  return r.exit_code == 0 ? std::stoi(r.output) : -1;
}

}  // namespace sprout::e2e
