// Starts fake upstreams and the sproutdns binary for one test, and tears everything down.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "harness.hpp"

namespace sprout::e2e {

std::string sproutdns_path();  // empty when the binary is not built (tests then skip)
std::string fake_upstream_path();
std::filesystem::path shared_data_dir();
bool resolver_available();

struct UpstreamSpec {
  std::string mode = "normal";  // or "down"
  std::string answer_ip = "192.0.2.1";
};

// One fake_upstream process on its own port, with its query log.
class FakeUpstream {
 public:
  FakeUpstream(const std::filesystem::path& dir, const std::string& name, const UpstreamSpec& spec);
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::vector<std::string> log_lines() const { return read_lines(log_); }
  // Case-insensitive on the name; `proto` "udp"/"tcp" restricts the transport, "" allows both.
  [[nodiscard]] bool saw_query(const std::string& qname, const std::string& proto = "") const;
  Process& process() { return *process_; }

 private:
  std::filesystem::path log_;
  std::unique_ptr<Process> process_;
  std::uint16_t port_ = 0;
};

struct ResolverOptions {
  std::string timeout = "300ms";
  int tries = 1;
  std::vector<std::string> cidrs{"127.0.0.1/32"};
};

std::string make_config(const std::vector<std::uint16_t>& upstream_ports, const ResolverOptions& o);

// sproutdns serve, started on a port it picks itself and reported in its ready file.
class Resolver {
 public:
  Resolver(const std::filesystem::path& dir, const std::string& config);
  [[nodiscard]] std::uint16_t udp_port() const { return udp_port_; }
  [[nodiscard]] std::uint16_t tcp_port() const { return tcp_port_; }
  Process& process() { return *process_; }

 private:
  std::unique_ptr<Process> process_;
  std::uint16_t udp_port_ = 0;
  std::uint16_t tcp_port_ = 0;
};

// Everything one resolver test needs; destroyed in reverse: resolver, upstreams, temp dir.
struct Stack {
  explicit Stack(const std::vector<UpstreamSpec>& specs, const ResolverOptions& options = {});
  TempDir dir;
  std::vector<std::unique_ptr<FakeUpstream>> upstreams;
  std::unique_ptr<Resolver> resolver;
  [[nodiscard]] std::uint16_t port() const { return resolver->udp_port(); }
};

// dig / kdig against 127.0.0.1:port with short timeouts; `args` are appended as given.
CommandResult dig(std::uint16_t port, const std::string& args);
CommandResult kdig(std::uint16_t port, const std::string& args);

}  // namespace sprout::e2e

// Catch2 v2 has no SKIP: warn and leave the test case when the binary is not built yet.
#define SPROUT_REQUIRE_RESOLVER()                                         \
  do {                                                                    \
    if (!::sprout::e2e::resolver_available()) {                           \
      WARN("sproutdns not built (set SPROUTDNS_BIN to override); skipped"); \
      return;                                                             \
    }                                                                     \
  } while (false)
