// DoH request parsing: the statuses RFC 8484 and RFC 9110 give each way a request can be wrong.
#include "sprout/core/doh_request.hpp"

#include <algorithm>
#include <limits>

#include "sprout/cache/answer_scan.hpp"
#include "sprout/core/base64url.hpp"
#include "sprout/dns/wire.hpp"

namespace sprout::core {
namespace {

// The value of `name` in a query string ("dns=...&ct=..."); nullopt when absent.
std::optional<std::string_view> query_param(std::string_view query, std::string_view name) noexcept {
  while (!query.empty()) {
    const std::size_t amp = std::min(query.find('&'), query.size());
    const std::string_view pair = query.substr(0, amp);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') return pair.substr(name.size() + 1);
    query.remove_prefix(std::min(amp + 1, query.size()));
  }
  return std::nullopt;
}

DohParse refuse(DohParse p, int status, std::string_view reason) noexcept {
  p.status = status;
  p.reason = reason;
  return p;
}

// "application/dns-message", ignoring case and parameters ("; charset=...").
bool is_dns_message(std::string_view content_type) noexcept {
  const std::string_view type = content_type.substr(0, content_type.find(';'));
  const std::size_t end = type.find_last_not_of(" \t");
  return end != std::string_view::npos && iequals(type.substr(0, end + 1), kDnsMessageType);
}

}  // namespace

DohParse parse_doh_request(const DohRequest& r, std::span<std::uint8_t> scratch) noexcept {
  DohParse p;
  const std::size_t question = r.target.find('?');
  p.id = client_id_from_path(r.target.substr(0, question));
  if (p.id.status == ClientIdStatus::wrong_name) return refuse(p, 404, "DoH is served at /dns-query and /dns-query/<client-id>");
  if (r.method == "GET") {
    const std::string_view query = question == std::string_view::npos ? std::string_view{} : r.target.substr(question + 1);
    const auto dns = query_param(query, "dns");
    if (!dns) return refuse(p, 400, "GET needs ?dns=<base64url DNS message>");
    // 4 characters carry 3 bytes: longer than this cannot fit a DNS message.
    if (dns->size() > (kMaxDohMessage + 2) / 3 * 4) return refuse(p, 414, "the dns parameter is longer than a DNS message");
    const auto n = base64url_decode(*dns, scratch.first(std::min(scratch.size(), kMaxDohMessage)));
    if (!n) return refuse(p, 400, "the dns parameter is not base64url");
    p.message = scratch.first(*n);
  } else if (r.method == "POST") {
    if (r.body_too_large || r.body.size() > kMaxDohMessage) return refuse(p, 413, "a DNS message is at most 65535 bytes");
    if (!is_dns_message(r.content_type)) return refuse(p, 415, "POST needs Content-Type: application/dns-message");
    p.message = r.body;
  } else {
    return refuse(p, 405, "DoH takes GET and POST");
  }
  if (p.message.size() < dns::kHeaderSize) return refuse(p, 400, "not a DNS message (shorter than its header)");
  return p;
}

std::uint32_t doh_max_age(std::span<const std::uint8_t> answer) noexcept {
  std::uint32_t smallest = std::numeric_limits<std::uint32_t>::max();
  const cache::WalkResult walk = cache::walk_records(answer, [&](const cache::RecordRef& rr) {
    if (rr.type != static_cast<std::uint16_t>(dns::RrType::opt)) smallest = std::min(smallest, rr.ttl);
  });
  return walk.ok && smallest != std::numeric_limits<std::uint32_t>::max() ? smallest : 0;
}

}  // namespace sprout::core
