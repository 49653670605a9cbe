// Readers for the abuse-protection keys: rate_limit and upstream_limit (rebinding is per profile).
#include "config_parser.hpp"

namespace sprout::config::detail {

void ConfigParser::read_rate_limit(const Field& f) {
  RateLimit& r = cfg_->rate_limit;
  auto u32 = [&](std::uint32_t& out, const Field& v, long long lo, long long hi) {
    if (auto n = r_.integer(v, lo, hi)) out = static_cast<std::uint32_t>(*n);
  };
  auto bits = [&](std::uint8_t& out, const Field& v, long long hi) {
    // /0 would make every client one: that is a global limit, which this is not.
    if (auto n = r_.integer(v, 1, hi)) out = static_cast<std::uint8_t>(*n);
  };
  r_.fields(f, {
      {"qps", [&](const Field& v) { u32(r.qps, v, 0, 1'000'000); }},
      {"burst", [&](const Field& v) { u32(r.burst, v, 1, 10'000'000); }},
      {"ipv4_prefix", [&](const Field& v) { bits(r.ipv4_prefix, v, 32); }},
      {"ipv6_prefix", [&](const Field& v) { bits(r.ipv6_prefix, v, 128); }},
      {"action", [&](const Field& v) {
         if (auto a = r_.choice<RateLimitAction>(v, {{"refuse", RateLimitAction::refuse},
                                                     {"truncate", RateLimitAction::truncate}}))
           r.action = *a;
       }},
  });
}

void ConfigParser::read_upstream_limit(const Field& f) {
  UpstreamLimit& u = cfg_->upstream_limit;
  std::optional<Field> per_client;
  r_.fields(f, {
      {"per_client", [&](const Field& v) {
         per_client = v;
         if (auto n = r_.integer(v, 0, kMaxUpstreamTotal)) u.per_client = static_cast<std::uint32_t>(*n);
       }},
      // The per-client counts live in a fixed table per worker, sized for this many.
      {"total", [&](const Field& v) {
         if (auto n = r_.integer(v, 0, kMaxUpstreamTotal)) u.total = static_cast<std::uint32_t>(*n);
       }},
  });
  if (u.total != 0 && u.per_client > u.total) {
    r_.error(per_client ? *per_client : f, "per_client (" + std::to_string(u.per_client) + ") is more than total (" +
                                               std::to_string(u.total) + "); 0 turns a limit off");
  }
}

}  // namespace sprout::config::detail
