// Fuzz target: DoH request parsing and client-ID extraction, the code that reads what a DoH or
// DoT client sends before any DNS: the request target, method, content type and body, the SNI
// checked against the server name, and X-Forwarded-For behind a trusted proxy.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "sprout/core/client_id.hpp"
#include "sprout/core/doh_request.hpp"
#include "sprout/core/forwarded_for.hpp"

namespace {

using namespace sprout::core;

constexpr std::string_view kServerName = "dns.example.vn";

// The next line of `rest` (without its '\n'); `rest` moves past it.
std::string_view line(std::string_view& rest) {
  const std::size_t nl = rest.find('\n');
  const std::string_view out = rest.substr(0, nl);
  rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
  return out;
}

bool valid_id(std::string_view id) {
  return !id.empty() && id.size() <= 63 && id.find('.') == std::string_view::npos && id.find('/') == std::string_view::npos;
}

void check_sni(std::string_view sni) {
  const ClientIdResult r = client_id_from_sni(sni, kServerName);
  if (r.status != ClientIdStatus::id) {
    FUZZ_CHECK(r.id.empty());
    return;
  }
  FUZZ_CHECK(valid_id(r.id));
  FUZZ_CHECK(sni.substr(0, r.id.size()) == r.id);  // the first label, as received
  FUZZ_CHECK(client_id_from_sni(std::string(r.id) + "." + std::string(kServerName), kServerName).id == r.id);
}

// X-Forwarded-For (plain-HTTP DoH behind a proxy): believed only from a trusted peer, and
// what it names is an address that reads back as itself.
void check_forwarded(std::string_view header) {
  static const std::vector<sprout::config::IpPrefix> trusted{*sprout::config::IpPrefix::parse("10.0.0.0/8")};
  const auto proxy = *sprout::config::IpAddress::parse("10.0.0.5");
  const auto stranger = *sprout::config::IpAddress::parse("192.0.2.9");
  const ForwardedClient from_proxy = forwarded_client(proxy, header, trusted);
  FUZZ_CHECK(from_proxy.status != ForwardedStatus::untrusted);
  if (from_proxy.status != ForwardedStatus::forwarded) FUZZ_CHECK(from_proxy.client == proxy);
  else FUZZ_CHECK(sprout::config::IpAddress::parse(from_proxy.client.to_string()) == from_proxy.client);
  const ForwardedClient from_stranger = forwarded_client(stranger, header, trusted);
  FUZZ_CHECK(from_stranger.client == stranger);
  FUZZ_CHECK(from_stranger.status == ForwardedStatus::untrusted || from_stranger.status == ForwardedStatus::peer);
}

}  // namespace

// Layout: byte 0 = method (0 GET, 1 POST, else that byte as text) and bit 7 = body too large;
// then the target line, the content-type line, and the body.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static std::array<std::uint8_t, kMaxDohMessage> scratch;
  const std::uint8_t mode = data[0];
  const char other[1] = {static_cast<char>(mode & 0x7f)};
  const std::string_view method = (mode & 0x7f) == 0 ? "GET" : (mode & 0x7f) == 1 ? "POST" : std::string_view(other, 1);
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string_view target = line(rest);
  const std::string_view type = line(rest);
  const std::span<const std::uint8_t> body(reinterpret_cast<const std::uint8_t*>(rest.data()), rest.size());
  const DohRequest request{method, target, type, body, (mode & 0x80) != 0};

  const DohParse p = parse_doh_request(request, scratch);
  constexpr int kStatuses[] = {200, 400, 404, 405, 413, 414, 415};
  FUZZ_CHECK(std::find(std::begin(kStatuses), std::end(kStatuses), p.status) != std::end(kStatuses));
  if (p.status == 200) {
    FUZZ_CHECK(p.reason.empty());
    FUZZ_CHECK(p.message.size() >= 12 && p.message.size() <= kMaxDohMessage);
    FUZZ_CHECK(p.id.status != ClientIdStatus::wrong_name);
    if (method == "POST") FUZZ_CHECK(p.message.data() == body.data() && !request.body_too_large);
    else FUZZ_CHECK(p.message.data() == scratch.data());
  } else {
    FUZZ_CHECK(!p.reason.empty());
  }
  if (p.id.status == ClientIdStatus::id) {
    FUZZ_CHECK(valid_id(p.id.id));
    FUZZ_CHECK(target.find(p.id.id) != std::string_view::npos);
  }
  (void)doh_max_age(body);
  check_sni(target);
  check_sni(type);
  check_forwarded(type);  // the content-type line doubles as an X-Forwarded-For value
  return 0;
}
