#include "resolver_fixture.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace sprout::e2e {
namespace fs = std::filesystem;

std::string sproutdns_path() {
  if (const char* env = std::getenv("SPROUTDNS_BIN"); env != nullptr && *env != '\0') return env;
  return SPROUT_E2E_SPROUTDNS;
}

std::string fake_upstream_path() { return SPROUT_E2E_FAKE_UPSTREAM; }

fs::path shared_data_dir() { return SPROUT_E2E_SHARED_DATA; }

fs::path require_shared_data(const fs::path& relative) {
  const fs::path path = shared_data_dir() / relative;
  std::error_code ec;
  INFO("shared test data missing: " << path.string()
                                    << " (see ../shared/data/SOURCES.md, or configure -DSPROUT_SHARED_DATA=DIR)");
  REQUIRE(fs::exists(path, ec));
  return path;
}

bool resolver_available() {
  const auto path = sproutdns_path();
  std::error_code ec;
  return !path.empty() && fs::exists(path, ec);
}

namespace {

std::uint16_t read_port_file(const fs::path& path) {
  return static_cast<std::uint16_t>(std::stoul(read_file(path)));
}

// Ready file lines: "udp 127.0.0.1 PORT" / "tcp 127.0.0.1 PORT".
void parse_ready_file(const fs::path& path, std::uint16_t& udp, std::uint16_t& tcp) {
  for (const auto& line : read_lines(path)) {
    std::istringstream in(line);
    std::string proto, ip;
    unsigned port = 0;
    if (!(in >> proto >> ip >> port)) continue;
    if (proto == "udp" && udp == 0) udp = static_cast<std::uint16_t>(port);
    if (proto == "tcp" && tcp == 0) tcp = static_cast<std::uint16_t>(port);
  }
}

}  // namespace

FakeUpstream::FakeUpstream(const fs::path& dir, const std::string& name, const UpstreamSpec& spec)
    : log_(dir / (name + ".log")) {
  const auto port_file = dir / (name + ".port");
  std::vector<std::string> argv{fake_upstream_path(), "--port-file", port_file.string(), "--log",
                                log_.string(),        "--mode",      spec.mode,          "--answer-ip", spec.answer_ip};
  if (spec.port != 0) argv.insert(argv.end(), {"--port", std::to_string(spec.port)});
  process_ = std::make_unique<Process>(argv, dir / (name + ".stdout"), dir / (name + ".stderr"));
  if (!wait_for_file(port_file, 5000ms)) {
    throw std::runtime_error("fake_upstream " + name + " did not start: " + process_->stderr_text());
  }
  port_ = read_port_file(port_file);
}

bool FakeUpstream::saw_query(const std::string& qname, const std::string& proto) const {
  for (const auto& line : log_lines()) {
    std::istringstream in(line);
    std::string transport, id, name;
    if (!(in >> transport >> id >> name) || !names_equal(name, qname)) continue;
    if (proto.empty() || proto == transport) return true;
  }
  return false;
}

std::string make_config(const std::vector<std::uint16_t>& upstream_ports, const ResolverOptions& o) {
  std::ostringstream y;
  y << "listen: [\"127.0.0.1:0\"]\nworkers: 1\nupstreams:\n";
  for (auto port : upstream_ports) {
    y << "  - {address: 127.0.0.1, port: " << port << ", timeout: " << o.timeout
      << ", tries: " << o.tries << "}\n";
  }
  y << "tcp: {idle_timeout: 2s, max_connections: 64, max_inflight_per_connection: 64}\n"
    << "logging: {level: info}\n"
    << "admin: {enabled: false}\nstats: {enabled: false}\n"  // hermetic: no shared port or files
    << "networks:\n  lo: {cidrs: [";
  for (std::size_t i = 0; i < o.cidrs.size(); ++i) y << (i ? ", " : "") << o.cidrs[i];
  y << "], profile: default}\n";
  return y.str();
}

Resolver::Resolver(const fs::path& dir, const std::string& config, const std::vector<std::string>& extra_args) {
  const auto config_file = dir / "sprout.yaml";
  const auto ready_file = dir / "ready";
  std::filesystem::remove(ready_file);  // a second resolver in the same dir must not read the first one's ports
  write_file(config_file, config);
  std::vector<std::string> argv{sproutdns_path(), "serve", "--config", config_file.string(), "--ready-file",
                                ready_file.string()};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<Process>(argv, dir / "sproutdns.stdout", dir / "sproutdns.stderr");
  if (!wait_for_file(ready_file, 10000ms)) {
    process_->terminate();
    throw std::runtime_error("sproutdns did not become ready; stderr:\n" + process_->stderr_text());
  }
  parse_ready_file(ready_file, udp_port_, tcp_port_);
  if (udp_port_ == 0 || tcp_port_ == 0) {
    throw std::runtime_error("ready file lacks udp/tcp lines:\n" + read_file(ready_file));
  }
}

Stack::Stack(const std::vector<UpstreamSpec>& specs, const ResolverOptions& options) {
  std::vector<std::uint16_t> ports;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    upstreams.push_back(std::make_unique<FakeUpstream>(dir.path(), "upstream" + std::to_string(i), specs[i]));
    ports.push_back(upstreams.back()->port());
  }
  resolver = std::make_unique<Resolver>(dir.path(), make_config(ports, options));
}

std::vector<std::string> reader_complaints(const std::string& output) {
  // What dig (BIND 9.18) and kdig (Knot 3.2) print about a reply they could not take as is.
  static const char* const kSigns[] = {"bad packet",  "malformed",      "mismatch",        "query response not set",
                                       "extra byte",  "trailing",       "failed to parse", "different from query id",
                                       "qr bit not set"};
  std::vector<std::string> out;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(";;", 0) != 0) continue;  // their own remarks, never the records (names may say anything)
    std::string lower = line;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    for (const char* sign : kSigns) {
      if (lower.find(sign) != std::string::npos) {
        out.push_back(line);
        break;
      }
    }
  }
  return out;
}

namespace {

CommandResult checked_reader(const std::string& command) {
  CommandResult r = run_command(command);
  const auto complaints = reader_complaints(r.output);
  INFO(command << "\n" << r.output);
  CHECK(complaints.empty());
  return r;
}

}  // namespace

CommandResult dig(std::uint16_t port, const std::string& args) {
  return checked_reader("dig @127.0.0.1 -p " + std::to_string(port) +
                        " +time=3 +tries=1 +noall +comments +answer " + args);
}

CommandResult kdig(std::uint16_t port, const std::string& args) {
  return checked_reader("kdig @127.0.0.1 -p " + std::to_string(port) +
                        " +timeout=3 +retry=0 +noall +header +answer " + args);
}

}  // namespace sprout::e2e
