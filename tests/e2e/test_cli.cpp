// End-to-end: process lifecycle (SIGTERM) and the command line (check-config, --version, --help).
#include <catch2/catch.hpp>

#include <csignal>
#include <regex>

#include "resolver_fixture.hpp"

using namespace sprout::e2e;

namespace {

int count_located_errors(const std::string& output, const std::string& file_name) {
  const std::regex located(std::regex_replace(file_name, std::regex(R"([.])"), R"(\.)") +
                           R"(:[0-9]+:[0-9]+: )");
  return static_cast<int>(std::distance(
      std::sregex_iterator(output.begin(), output.end(), located), std::sregex_iterator()));
}

void check_sigterm_exit(Stack& s) {
  const auto start = Clock::now();
  s.resolver->process().signal(SIGTERM);
  const auto code = s.resolver->process().wait_exit(5000ms);
  const auto elapsed = std::chrono::duration_cast<Millis>(Clock::now() - start);
  INFO("stderr:\n" << s.resolver->process().stderr_text());
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  CHECK(elapsed < 3000ms);
}

}  // namespace

TEST_CASE("SIGTERM stops the server promptly with exit 0", "[resolver][cli]") {
  SPROUT_REQUIRE_RESOLVER();
  Stack s({UpstreamSpec{}});
  CHECK(parse_dig_output(dig(s.port(), "before.example A").output).status == "NOERROR");
  check_sigterm_exit(s);
}

TEST_CASE("SIGTERM stops the server even with an idle TCP client connected", "[resolver][cli]") {
  SPROUT_REQUIRE_RESOLVER();
  Stack s({UpstreamSpec{}});
  TcpClient idle(s.resolver->tcp_port());
  REQUIRE(idle.connected());
  check_sigterm_exit(s);
}

TEST_CASE("SIGTERM stops the server with a query still waiting on the upstream", "[resolver][cli]") {
  SPROUT_REQUIRE_RESOLVER();
  Stack s({UpstreamSpec{}}, ResolverOptions{"2s", 2, {"127.0.0.1/32"}});
  UdpClient client;
  REQUIRE(client.send(build_query(0x5EE5, "silent.example.", rr_type::kA), s.port()));
  REQUIRE(wait_until([&] { return s.upstreams[0]->saw_query("silent.example."); }, 2000ms));
  check_sigterm_exit(s);
}

TEST_CASE("check-config reports every error with file:line:col and exits 1", "[resolver][cli]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  const auto bad = dir / "bad-config.yaml";
  write_file(bad,
             "listen: [\"127.0.0.1:99999\"]\n"
             "upstream:\n"
             "  - {address: 127.0.0.1, port: 53}\n"
             "networks:\n"
             "  lo: {cidrs: [127.0.0.1/32], profile: default}\n");
  const auto r = run_command(sproutdns_path() + " check-config " + bad.string());
  INFO("output:\n" << r.output);
  CHECK(r.exit_code == 1);
  CHECK(count_located_errors(r.output, bad.string()) >= 2);
}

TEST_CASE("check-config accepts a good file with exit 0", "[resolver][cli]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  const auto good = dir / "good.yaml";
  write_file(good, make_config({5353, 5354}, {}));
  const auto r = run_command(sproutdns_path() + " check-config " + good.string());
  INFO("output:\n" << r.output);
  CHECK(r.exit_code == 0);
}

TEST_CASE("--version and --help succeed", "[resolver][cli]") {
  SPROUT_REQUIRE_RESOLVER();
  const auto version = run_command(sproutdns_path() + " --version");
  INFO(version.output);
  CHECK(version.exit_code == 0);
  CHECK_FALSE(version.output.empty());
  const auto help = run_command(sproutdns_path() + " --help");
  INFO(help.output);
  CHECK(help.exit_code == 0);
  CHECK(help.output.find("check-config") != std::string::npos);
}
