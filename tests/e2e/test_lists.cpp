// End-to-end: real lists from ../shared/data block names and subdomains, exceptions pass,
// and a SIGHUP swaps lists while queries keep flowing.
#include <catch2/catch.hpp>

#include <atomic>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <csignal>
#include <fstream>
#include <thread>

#include "http_server.hpp"
#include "resolver_fixture.hpp"

using namespace sprout::e2e;
namespace fs = std::filesystem;

namespace {

std::string first_domain(const fs::path& list) {
  std::ifstream in(list);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#' && line.find_first_not_of("0123456789.") != std::string::npos) return line;
  }
  return {};
}

// The shared libraries a process has mapped whose file names contain `name`.
std::vector<std::string> mapped_libraries(pid_t pid, const std::string& name) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::vector<std::string> found;
  std::string line;
  while (std::getline(maps, line)) {
    const std::size_t slash = line.rfind('/');
    if (slash != std::string::npos && line.find(name, slash) != std::string::npos) found.push_back(line.substr(slash + 1));
  }
  return found;
}

std::string lists_config(std::uint16_t upstream, const fs::path& dir, const std::string& extra_lists) {
  const fs::path data = require_shared_data("blocklists");
  return "listen: [\"127.0.0.1:0\"]\nworkers: 2\n"
         "upstreams: [{address: 127.0.0.1, port: " + std::to_string(upstream) + ", timeout: 500ms, tries: 1}]\n"
         "state_dir: " + (dir / "state").string() + "\n"
         "categories: {gambling: {}, drugs: {}, local: {}}\n"
         "lists:\n"
         "  ut1-gambling: {category: gambling, source: " + (data / "ut1/gambling.txt").string() + "}\n"
         "  blp-drugs: {category: drugs, source: " + (data / "blocklistproject/drugs.adblock").string() + "}\n" +
         extra_lists +
         "profiles: {default: {block: [gambling, drugs, local]}}\n"
         "networks: {lo: {cidrs: [127.0.0.1/32], profile: default}}\n"
         // The swap test's load is one client asking as fast as it can: lists here, not
         // throttling (with the default rate limit its dig polls got REFUSED and timed out).
         "rate_limit: {qps: 0}\n";
}

}  // namespace

TEST_CASE("real lists block a listed name and its subdomains; @@ exceptions pass", "[resolver][lists]") {
  SPROUT_REQUIRE_RESOLVER();
  const fs::path gambling_list = require_shared_data("blocklists/ut1/gambling.txt");
  require_shared_data("blocklists/blocklistproject/drugs.adblock");
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  write_file(dir / "local.adblock", "! local test list\n||blocked.test^\n@@||ok.blocked.test^\n");
  Resolver r(dir.path(), lists_config(upstream.port(), dir.path(),
                                      "  local: {category: local, source: " + (dir / "local.adblock").string() + "}\n"));
  const std::string gambling = first_domain(gambling_list);
  REQUIRE_FALSE(gambling.empty());

  for (const std::string& name : {gambling, "www." + gambling, "a.b.c." + gambling}) {
    const auto out = dig(r.udp_port(), name + " A");
    INFO(out.output);
    CHECK(parse_dig_output(out.output).status == "NXDOMAIN");
    CHECK(out.output.find("EDE: 15 (Blocked): (gambling)") != std::string::npos);
    CHECK_FALSE(upstream.saw_query(name + "."));
  }
  const auto sub = dig(r.udp_port(), "deep.blocked.test A");
  CHECK(parse_dig_output(sub.output).status == "NXDOMAIN");
  const auto ok = dig(r.udp_port(), "www.ok.blocked.test A");
  INFO(ok.output);
  CHECK(parse_dig_output(ok.output).answer_data("A") == std::vector<std::string>{"192.0.2.1"});
  CHECK(upstream.saw_query("www.ok.blocked.test."));
  const auto tcp = dig(r.tcp_port(), "+tcp www." + gambling + " AAAA");
  CHECK(parse_dig_output(tcp.output).status == "NXDOMAIN");
  const auto clean = dig(r.udp_port(), "example.org A");
  CHECK(parse_dig_output(clean.output).status == "NOERROR");
}

TEST_CASE("SIGHUP swaps lists while queries keep flowing, none unanswered", "[resolver][lists][reload]") {
  SPROUT_REQUIRE_RESOLVER();
  require_shared_data("blocklists/ut1/gambling.txt");
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  const fs::path local = dir / "swap.txt";
  write_file(local, "first.test\n");
  Resolver r(dir.path(), lists_config(upstream.port(), dir.path(),
                                      "  swap: {category: local, source: " + local.string() + "}\n"));
  CHECK(parse_dig_output(dig(r.udp_port(), "first.test A").output).status == "NXDOMAIN");
  CHECK(parse_dig_output(dig(r.udp_port(), "second.test A").output).status == "NOERROR");

  // The load runs on its own thread, where Catch2 assertions are not allowed: it counts what
  // ldns cannot read, and the test checks the counts.
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0}, unanswered{0}, unreadable{0};
  std::thread load([&] {
    std::uint16_t id = 1;
    while (!stop) {
      const std::uint16_t qid = id++;
      const auto reply = udp_exchange_raw(build_query(qid, "flow" + std::to_string(qid % 50) + ".test.", rr_type::kA),
                                          r.udp_port(), 2000ms);
      ++sent;
      if (!reply) ++unanswered;
      else if (!parse_message(*reply)) ++unreadable;
    }
  });
  CHECK(wait_until([&] { return sent >= 10; }, 5000ms));  // queries are flowing before the reload
  write_file(local, "second.test\n");
  r.process().signal(SIGHUP);
  const bool swapped = wait_until([&] {
    return parse_dig_output(dig(r.udp_port(), "second.test A").output).status == "NXDOMAIN";
  }, 5000ms, 100ms);
  const int at_swap = sent;
  CHECK(wait_until([&] { return sent >= at_swap + 10; }, 5000ms));  // and keep flowing after it
  stop = true;
  load.join();
  INFO("sent " << sent << ", unanswered " << unanswered << ", unreadable " << unreadable << "\n"
               << r.process().stderr_text());
  CHECK(swapped);
  CHECK(sent > 20);
  CHECK(unanswered == 0);
  CHECK(unreadable == 0);
  CHECK(parse_dig_output(dig(r.udp_port(), "first.test A").output).status == "NOERROR");
  CHECK(r.process().stderr_text().find("reloaded") != std::string::npos);
}

TEST_CASE("a reload with a broken config keeps the running state", "[resolver][lists][reload]") {
  SPROUT_REQUIRE_RESOLVER();
  const std::string gambling = first_domain(require_shared_data("blocklists/ut1/gambling.txt"));
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  Resolver r(dir.path(), lists_config(upstream.port(), dir.path(), ""));
  write_file(dir / "sprout.yaml", "listen: [\"127.0.0.1:0\"]\nprofiles: {default: {block: [gamblng]}}\n");
  r.process().signal(SIGHUP);
  // The reload has been tried (and refused) once the server says so.
  CHECK(wait_until([&] { return r.process().stderr_text().find("reload failed") != std::string::npos; }, 5000ms));
  CHECK(r.process().running());
  CHECK(parse_dig_output(dig(r.udp_port(), gambling + " A").output).status == "NXDOMAIN");
  const std::string err = r.process().stderr_text();
  CHECK(err.find("unknown category 'gamblng'") != std::string::npos);
  CHECK(err.find("reload failed") != std::string::npos);
}

TEST_CASE("a URL list downloads after start (as the unprivileged user) and serves from its last-good copy", "[resolver][lists][http]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  auto http = std::make_unique<ListHttpServer>("# remote list\nremote-blocked.test\n");
  const std::string config = "listen: [\"127.0.0.1:0\"]\nworkers: 1\nadmin: {enabled: false}\n"
      "upstreams: [{address: 127.0.0.1, port: " + std::to_string(upstream.port()) + "}]\n"
      "state_dir: " + (dir / "state").string() + "\n"
      "categories: {remote: {}}\n"
      "lists: {remote: {category: remote, source: \"http://127.0.0.1:" + std::to_string(http->port()) + "/list.txt\", refresh: 1h}}\n"
      "profiles: {default: {block: [remote]}}\n"
      "networks: {lo: {cidrs: [127.0.0.1/32], profile: default}}\n";
  {
    Resolver r(dir.path(), config);
    const bool blocked = wait_until([&] {
      return parse_dig_output(dig(r.udp_port(), "www.remote-blocked.test A").output).status == "NXDOMAIN";
    }, 5000ms, 100ms);
    INFO(r.process().stderr_text());
    CHECK(blocked);
    CHECK(http->requests() >= 1);
    CHECK(fs::exists(dir / "state/lists/remote.list"));
    // libcurl is loaded for the download only (blocklists/.../shared_library.hpp): once it
    // is done, none of its pages stay mapped (issue 12, item 6: 3.4 MiB resident before).
    const bool unloaded = wait_until([&] { return mapped_libraries(r.process().pid(), "libcurl").empty(); }, 3000ms, 50ms);
    CHECK(unloaded);
  }
  http.reset();  // the list server is gone: the next start serves the last-good copy at once
  Resolver again(dir.path(), config);
  CHECK(parse_dig_output(dig(again.udp_port(), "remote-blocked.test A").output).status == "NXDOMAIN");
}

TEST_CASE("a server whose lists are files maps neither libcurl nor libpq", "[resolver][lists][memory]") {
  SPROUT_REQUIRE_RESOLVER();
  TempDir dir;
  FakeUpstream upstream(dir.path(), "up", UpstreamSpec{});
  Resolver r(dir.path(), lists_config(upstream.port(), dir.path(), ""));
  CHECK(parse_dig_output(dig(r.udp_port(), "example.org A").output).status == "NOERROR");
  // Each would bring its own dependencies (gnutls, krb5, ldap...): 4-6 MiB resident unused.
  CHECK(mapped_libraries(r.process().pid(), "libcurl") == std::vector<std::string>{});
  CHECK(mapped_libraries(r.process().pid(), "libpq") == std::vector<std::string>{});
  CHECK(mapped_libraries(r.process().pid(), "libgnutls") == std::vector<std::string>{});
}
