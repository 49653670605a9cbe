// Parsing and stripping of the device-identity EDNS options; zero-allocation, bounds-checked.
#include "sprout/dns/client_options.hpp"

#include <cstring>

#include "sprout/dns/wire.hpp"

namespace sprout::dns {
namespace {

int base64_value(std::uint8_t c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// dnsmasq's base64 form: two 3-byte groups, 4 characters each, no padding.
bool decode_base64_mac(const std::uint8_t* p, config::MacAddress& mac) noexcept {
  for (std::size_t group = 0; group < 2; ++group) {
    std::uint32_t bits = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      const int v = base64_value(p[group * 4 + i]);
      if (v < 0) return false;
      bits = (bits << 6) | static_cast<std::uint32_t>(v);
    }
    mac[group * 3] = static_cast<std::uint8_t>(bits >> 16);
    mac[group * 3 + 1] = static_cast<std::uint8_t>(bits >> 8);
    mac[group * 3 + 2] = static_cast<std::uint8_t>(bits);
  }
  return true;
}

bool read_mac(std::uint16_t code, const std::uint8_t* p, std::size_t len, config::MacAddress& mac) noexcept {
  if (code == kOptMacRaw) {
    if (len != mac.size()) return false;
    std::memcpy(mac.data(), p, len);
    return true;
  }
  if (len == 8) return decode_base64_mac(p, mac);
  const auto text = config::parse_mac({reinterpret_cast<const char*>(p), len});
  if (text) mac = *text;
  return text.has_value();
}

// RFC 7871 6: the address holds exactly the prefix's bytes, and no bits past the prefix.
bool read_ecs(const std::uint8_t* p, std::size_t len, ClientOptions& out) noexcept {
  if (len < 4) return false;
  const std::uint16_t family = get16(p);
  const std::uint8_t prefix = p[2];
  const std::size_t max_bits = family == 1 ? 32 : family == 2 ? 128 : 0;
  const std::size_t bytes = (prefix + 7u) / 8u;
  if (max_bits == 0 || prefix > max_bits || len - 4 != bytes) return false;
  if (bytes > 0 && prefix % 8 != 0 && (p[4 + bytes - 1] & (0xffu >> (prefix % 8))) != 0) return false;
  out.ecs_address = {};
  std::memcpy(out.ecs_address.data(), p + 4, bytes);
  out.ecs_family = family;
  out.ecs_prefix = prefix;
  return true;
}

// A second option of a kind is ambiguous: neither is believed.
void read_one(std::span<const std::uint8_t> wire, std::uint16_t code, std::size_t at, std::size_t len,
              ClientOptions& out, std::uint8_t& seen) noexcept {
  const std::uint8_t* p = wire.data() + at;
  out.present = true;
  ++out.count;
  const std::uint8_t bit = code == kOptEcs ? 1 : code == kOptCpeId ? 2 : 4;  // both MAC forms share one
  if ((seen & bit) != 0) {
    ++out.duplicated;
    if (bit == 1) out.ecs_family = 0;
    if (bit == 2) out.cpe_size = 0;
    if (bit == 4) out.has_mac = false;
    return;
  }
  seen |= bit;
  bool ok = false;
  if (code == kOptEcs) ok = read_ecs(p, len, out);
  else if (code == kOptCpeId) {
    ok = len > 0 && len <= 64;
    out.cpe_offset = static_cast<std::uint16_t>(at);
    out.cpe_size = ok ? static_cast<std::uint16_t>(len) : 0;
  } else {
    ok = read_mac(code, p, len, out.mac);
    out.has_mac = ok;
  }
  if (!ok) ++out.malformed;
}

}  // namespace

bool read_client_options(std::span<const std::uint8_t> wire, std::size_t rdata, std::size_t size,
                         ClientOptions& out) noexcept {
  std::uint8_t seen = 0;
  const std::size_t end = rdata + size;
  for (std::size_t pos = rdata; pos < end;) {
    if (pos + 4 > end) return false;
    const std::uint16_t code = get16(&wire[pos]);
    const std::size_t len = get16(&wire[pos + 2]);
    if (pos + 4 + len > end) return false;
    if (is_client_option(code)) read_one(wire, code, pos + 4, len, out, seen);
    pos += 4 + len;
  }
  return true;
}

std::size_t copy_without_client_options(std::span<const std::uint8_t> wire, std::size_t opt_rdata,
                                        std::size_t opt_rdlength, std::span<std::uint8_t> out) noexcept {
  if (wire.size() > out.size() || opt_rdata < 2 || opt_rdata + opt_rdlength > wire.size()) return 0;
  std::memcpy(out.data(), wire.data(), opt_rdata);
  std::size_t w = opt_rdata;
  const std::size_t end = opt_rdata + opt_rdlength;
  for (std::size_t pos = opt_rdata; pos + 4 <= end;) {
    const std::size_t len = get16(&wire[pos + 2]);
    if (pos + 4 + len > end) break;  // broken framing: drop the rest of the options
    if (!is_client_option(get16(&wire[pos]))) {
      std::memcpy(&out[w], &wire[pos], 4 + len);
      w += 4 + len;
    }
    pos += 4 + len;
  }
  put16(&out[opt_rdata - 2], static_cast<std::uint16_t>(w - opt_rdata));
  std::memcpy(&out[w], wire.data() + end, wire.size() - end);  // records after the OPT (TSIG)
  return w + wire.size() - end;
}

}  // namespace sprout::dns
