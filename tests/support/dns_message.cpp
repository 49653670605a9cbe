#include "dns_message.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace sprout::test {
namespace {

void put16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v & 0xFF));
}

void put32(Bytes& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v >> 16));
  put16(out, static_cast<std::uint16_t>(v & 0xFFFF));
}

void append_record(Bytes& out, const ResourceRecord& rr) {
  append_name(out, rr.name);
  put16(out, rr.type);
  put16(out, rr.klass);
  put32(out, rr.ttl);
  put16(out, static_cast<std::uint16_t>(rr.rdata.size()));
  out.insert(out.end(), rr.rdata.begin(), rr.rdata.end());
}

void append_opt(Bytes& out, const Edns& e) {
  out.push_back(0);  // owner: the root
  put16(out, rr_type::kOpt);
  put16(out, e.udp_size);
  out.push_back(e.extended_rcode);
  out.push_back(e.version);
  put16(out, e.dnssec_ok ? 0x8000 : 0);
  Bytes rdata;
  for (const auto& o : e.options) {
    put16(rdata, o.code);
    put16(rdata, static_cast<std::uint16_t>(o.data.size()));
    rdata.insert(rdata.end(), o.data.begin(), o.data.end());
  }
  put16(out, static_cast<std::uint16_t>(rdata.size()));
  out.insert(out.end(), rdata.begin(), rdata.end());
}

std::string address_text(const ResourceRecord& rr) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (rr.type == rr_type::kA && rr.rdata.size() == 4) return inet_ntop(AF_INET, rr.rdata.data(), buf, sizeof buf);
  if (rr.type == rr_type::kAaaa && rr.rdata.size() == 16) return inet_ntop(AF_INET6, rr.rdata.data(), buf, sizeof buf);
  return {};
}

}  // namespace

int Message::rcode() const {
  const int extended = edns ? edns->extended_rcode : 0;
  return (extended << 4) | header_rcode();
}

std::vector<std::string> Message::answer_ips() const {
  std::vector<std::string> ips;
  for (const auto& rr : answers) {
    if (auto text = address_text(rr); !text.empty()) ips.push_back(std::move(text));
  }
  return ips;
}

std::vector<std::string> Message::answer_data(std::uint16_t type) const {
  std::vector<std::string> out;
  for (const auto& rr : answers) {
    if (rr.type == type) out.push_back(rr.data);
  }
  return out;
}

std::optional<ExtendedError> Message::extended_error() const {
  if (!edns) return std::nullopt;
  for (const auto& o : edns->options) {
    if (o.code != ede::kOptionCode || o.data.size() < 2) continue;
    return ExtendedError{static_cast<std::uint16_t>((o.data[0] << 8) | o.data[1]),
                         std::string(o.data.begin() + 2, o.data.end())};
  }
  return std::nullopt;
}

bool append_name(Bytes& out, std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::size_t total = 1;
  while (!name.empty()) {
    const auto dot = name.find('.');
    const auto label = name.substr(0, dot);
    if (label.empty() || label.size() > 63) return false;
    total += label.size() + 1;
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  }
  out.push_back(0);
  return total <= 255;
}

Bytes encode(const Message& m) {
  Bytes out;
  put16(out, m.id);
  put16(out, m.flags);
  put16(out, static_cast<std::uint16_t>(m.questions.size()));
  put16(out, static_cast<std::uint16_t>(m.answers.size()));
  put16(out, static_cast<std::uint16_t>(m.authority.size()));
  put16(out, static_cast<std::uint16_t>(m.additional.size() + (m.edns ? 1 : 0)));
  for (const auto& q : m.questions) {
    append_name(out, q.name);
    put16(out, q.qtype);
    put16(out, q.qclass);
  }
  for (const auto* section : {&m.answers, &m.authority, &m.additional}) {
    for (const auto& rr : *section) append_record(out, rr);
  }
  if (m.edns) append_opt(out, *m.edns);
  return out;
}

ResourceRecord make_a(std::string_view name, std::string_view ipv4, std::uint32_t ttl) {
  ResourceRecord rr{std::string(name), rr_type::kA, 1, ttl, Bytes(4), std::string(ipv4)};
  inet_pton(AF_INET, rr.data.c_str(), rr.rdata.data());
  return rr;
}

ResourceRecord make_aaaa(std::string_view name, std::string_view ipv6, std::uint32_t ttl) {
  ResourceRecord rr{std::string(name), rr_type::kAaaa, 1, ttl, Bytes(16), std::string(ipv6)};
  inet_pton(AF_INET6, rr.data.c_str(), rr.rdata.data());
  return rr;
}

ResourceRecord make_cname(std::string_view name, std::string_view target, std::uint32_t ttl) {
  ResourceRecord rr{std::string(name), rr_type::kCname, 1, ttl, {}, std::string(target)};
  append_name(rr.rdata, target);
  return rr;
}

Bytes build_query(std::uint16_t id, std::string_view name, std::uint16_t qtype, std::optional<Edns> edns) {
  Message m;
  m.id = id;
  m.flags = flag::kRd;
  m.questions.push_back({std::string(name), qtype, 1});
  m.edns = std::move(edns);
  return encode(m);
}

std::string type_to_string(std::uint16_t type) {
  switch (type) {
    case rr_type::kA: return "A";
    case rr_type::kNs: return "NS";
    case rr_type::kCname: return "CNAME";
    case rr_type::kSoa: return "SOA";
    case rr_type::kPtr: return "PTR";
    case rr_type::kMx: return "MX";
    case rr_type::kTxt: return "TXT";
    case rr_type::kAaaa: return "AAAA";
    case rr_type::kSrv: return "SRV";
    case rr_type::kOpt: return "OPT";
    case rr_type::kSvcb: return "SVCB";
    case rr_type::kHttps: return "HTTPS";
    default: return "TYPE" + std::to_string(type);
  }
}

std::string rcode_to_string(int rc) {
  static const char* const kNames[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
                                       "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"};
  if (rc >= 0 && rc < 11) return kNames[rc];
  if (rc == rcode::kBadVers) return "BADVERS";
  return "RCODE" + std::to_string(rc);
}

bool names_equal(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::string hex_dump(std::span<const std::uint8_t> bytes, std::size_t max) {
  std::string out;
  char buf[4];
  for (std::size_t i = 0; i < bytes.size() && i < max; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", bytes[i]);
    out += buf;
    out += (i % 16 == 15) ? '\n' : ' ';
  }
  if (bytes.size() > max) out += "... (" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

}  // namespace sprout::test
