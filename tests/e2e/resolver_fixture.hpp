// Starts fake upstreams and the sproutdns binary for one test, and tears everything down.
#pragma once

#include <cstdlib>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "harness.hpp"

namespace sprout::e2e {

std::string sproutdns_path();  // empty when the binary is not built (resolver tests then fail)
std::string fake_upstream_path();
std::filesystem::path shared_data_dir();
// `relative` under the shared test data; a test that needs it fails when it is absent.
std::filesystem::path require_shared_data(const std::filesystem::path& relative);
bool resolver_available();

struct UpstreamSpec {
  std::string mode = "normal";  // or "down"
  std::string answer_ip = "192.0.2.1";
  std::uint16_t port = 0;  // 0: a free one; else that one (an upstream coming back where it was)
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

// While alive, sproutdns processes started by the test run on a clock that starts at `t`
// (SPROUT_FAKE_TIME, ISO 8601 UTC) and then advances in real time.
struct FakeTime {
  explicit FakeTime(const char* t) { ::setenv("SPROUT_FAKE_TIME", t, 1); }
  ~FakeTime() { ::unsetenv("SPROUT_FAKE_TIME"); }
  FakeTime(const FakeTime&) = delete;
  FakeTime& operator=(const FakeTime&) = delete;
};

// sproutdns serve, started on a port it picks itself and reported in its ready file.
class Resolver {
 public:
  // `extra_args` follow the serve command's own (e.g. --user).
  Resolver(const std::filesystem::path& dir, const std::string& config, const std::vector<std::string>& extra_args = {});
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

// dig / kdig against 127.0.0.1:port with short timeouts; `args` are appended as given. They
// are independent readers too: a reply they call malformed or mismatched fails the test.
CommandResult dig(std::uint16_t port, const std::string& args);
CommandResult kdig(std::uint16_t port, const std::string& args);
// The lines of dig/kdig output that complain about the reply packet itself.
std::vector<std::string> reader_complaints(const std::string& output);

}  // namespace sprout::e2e

// A resolver test without the binary fails: it never passes by skipping itself.
#define SPROUT_REQUIRE_RESOLVER()                                                  \
  do {                                                                             \
    INFO("sproutdns not built at '" << ::sprout::e2e::sproutdns_path()             \
                                    << "' (build the sproutdns target, or set SPROUTDNS_BIN)"); \
    REQUIRE(::sprout::e2e::resolver_available());                                  \
  } while (false)
