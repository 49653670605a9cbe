// The fuzz targets' resolver world and the checks on what it answers (see fuzz_world.hpp).
#include "fuzz_world.hpp"

#include <cstdlib>
#include <stdexcept>

#include "sprout/blocklists/domain_index.hpp"
#include "sprout/cache/packet_cache.hpp"
#include "sprout/config/loader.hpp"
#include "sprout/core/decision.hpp"
#include "sprout/dns/query_view.hpp"

namespace sprout::fuzz {
namespace {

// Every block mode, SafeSearch for every engine, a schedule (so TTLs are clamped), blocked
// answer addresses, overrides and a trusted PROXY front end.
constexpr const char* kWorldYaml = R"(
timezone: Asia/Ho_Chi_Minh
categories:
  adult: {}
  games: {}
profiles:
  default:
    block: [adult]
    deny: [denied.test]
    allow: [ok.blocked.test]
    safesearch: {google: true, bing: true, duckduckgo: true, yandex: true, pixabay: true, youtube: strict}
    schedules:
      school:
        windows:
          - {days: [daily], from: "07:00", to: "17:00"}
        block: [games]
  nullip:
    block: [adult, games]
    block_mode: "null"
    safesearch: {google: true, youtube: moderate}
  refuse:
    block: [adult]
    block_mode: refused
  page:
    block: [adult]
    block_mode: blockpage
    blockpage: {ipv4: 192.0.2.80, ipv6: "2001:db8::80"}
    block_ttl: 60
networks:
  lan: {cidrs: [127.0.0.1/32, 127.0.0.100/32], profile: default}
  nullip: {cidrs: [127.0.0.2/32], profile: nullip}
  refuse: {cidrs: [127.0.0.3/32], profile: refuse}
  page: {cidrs: [127.0.0.4/32], profile: page}
blocked_answers: [192.0.2.66/32, "2001:db8::66/128"]
proxy_protocol: [127.0.0.100/32]
# Off: a rate limit depends on the inputs before this one, and an input must replay alone.
rate_limit: {qps: 0}
)";

std::shared_ptr<core::Snapshot> build() {
  // A fixed local time inside the school window: the same input always meets the same policy.
  ::setenv("SPROUT_FAKE_TIME", "2026-12-01T09:00:00+07:00", 0);
  auto loaded = config::load_string(kWorldYaml, "fuzz-world.yaml");
  if (!loaded.config) throw std::runtime_error("fuzz world config: " + loaded.errors.front().to_string());
  blocklists::IndexBuilder b(11);
  b.add(kBlockedName, blocklists::Rule{}, 1u << 0, 0);  // adult: name and subtree
  b.add("game.test", blocklists::Rule{}, 1u << 1, 0);    // games, blocked by the schedule
  blocklists::Rule nodata{};
  nodata.nodata = true;
  b.add("quiet.test", nodata, 1u << 0, 0);
  auto snap = std::make_shared<core::Snapshot>(std::make_shared<const config::Config>(std::move(*loaded.config)),
                                               std::make_shared<blocklists::DomainIndex>(b.build()));
  return snap;
}

// The dotted, lowercase form of an uncompressed wire name as ldns handed it over; nullopt
// when a label holds bytes no hostname has (Sprout's policy would see other text).
std::optional<std::string> canonical_name(const test::Bytes& wire) {
  std::string out;
  std::size_t i = 0;
  while (i < wire.size() && wire[i] != 0) {
    const std::size_t len = wire[i++];
    if (i + len > wire.size()) return std::nullopt;
    if (!out.empty()) out += '.';
    for (std::size_t k = 0; k < len; ++k) {
      char c = static_cast<char>(wire[i + k]);
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      out += c;
    }
    i += len;
  }
  return out;
}

bool in_blocked_answers(const config::Config& cfg, const test::ResourceRecord& r) {
  config::IpAddress ip;
  if (r.type == test::rr_type::kA && r.rdata.size() == 4) {
    ip = config::IpAddress::from_v4(r.rdata.data());
  } else if (r.type == test::rr_type::kAaaa && r.rdata.size() == 16) {
    ip = config::IpAddress::from_v6(r.rdata.data());
  } else {
    return false;
  }
  for (const auto& p : cfg.blocked_answers) {
    if (p.contains(ip)) return true;
  }
  return false;
}

}  // namespace

std::shared_ptr<core::Snapshot> world_snapshot() {
  static const std::shared_ptr<core::Snapshot> snap = build();
  return snap;
}

void reset_cache() {
  cache::CacheOptions options;
  options.max_entries = 64;
  options.shards = 1;
  world_snapshot()->cache = std::make_shared<cache::PacketCache>(options);
}

std::optional<std::string> check_answer(std::span<const std::uint8_t> query, std::span<const std::uint8_t> answer,
                                        bool udp) {
  const test::ReadResult read = test::read_message(answer);
  if (!read.message) return "ldns rejects Sprout's answer: " + read.error;
  const test::Message& m = *read.message;
  if (answer.size() < 12) return "answer shorter than a header";
  if (m.id != dns::get16(query.data())) return "answer ID is not the query's";
  if (!m.qr()) return "QR clear in an answer";
  if (m.opcode() != ((query[2] >> 3) & 0xF)) return "opcode not echoed";
  const std::size_t counts[4] = {m.questions.size(), m.answers.size(), m.authority.size(),
                                 m.additional.size() + m.opt_records};
  for (int s = 0; s < 4; ++s) {
    if (counts[s] != dns::get16(answer.data() + 4 + 2 * s)) return "ldns counts differ from the header";
  }
  dns::QueryView v;
  if (dns::parse_query(query, v) == dns::ParseStatus::ok) {
    if (m.questions.size() != 1) return "answer to a good query without its one question";
    const test::Question& q = m.questions.front();
    if (q.qtype != v.qtype || q.qclass != v.qclass) return "answer question type or class differs from the query's";
    // Names compared as ldns reads both messages (its text escapes odd bytes; Sprout's does not).
    const auto asked = test::read_message(query);
    if (asked.message && asked.message->questions.size() == 1 &&
        !test::names_equal(q.name, asked.message->questions.front().name)) {
      return "answer question differs from the query's: " + q.name + " vs " + asked.message->questions.front().name;
    }
    // Over UDP the answer fits what the client can take (RFC 1035 512, or its EDNS size).
    const std::size_t limit = v.has_edns ? std::max<std::size_t>(512, v.edns_udp_size) : 512;
    if (udp && answer.size() > limit && !m.tc()) return "UDP answer over the client's size without TC";
    if (udp && answer.size() > limit) return "UDP answer over the client's size";
  } else if (m.questions.size() > 1) {
    return "more than one question in an error answer";
  }
  return std::nullopt;
}

std::optional<std::string> check_not_cloaked(const core::Snapshot& snap, const char* client, std::uint16_t qtype,
                                             std::span<const std::uint8_t> answer) {
  const auto read = test::read_message(answer);
  if (!read.message) return "ldns rejects Sprout's answer: " + read.error;
  const auto* net = snap.networks.match(*config::IpAddress::parse(client));
  if (net == nullptr) return std::nullopt;
  for (const auto& r : read.message->answers) {
    if (in_blocked_answers(*snap.config, r)) return "an answer address in blocked_answers reached the client";
    if (r.type != test::rr_type::kCname) continue;
    const auto target = canonical_name(r.rdata);
    if (!target) continue;
    const auto d = core::decide(snap, *net, *target, qtype, snap.clock_now());
    if (d.kind == core::DecisionKind::block) return "a CNAME to a blocked name reached the client: " + *target;
  }
  return std::nullopt;
}

}  // namespace sprout::fuzz
