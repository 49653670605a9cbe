#include "dns_wire.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace sprout::e2e {
namespace {

void put16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v & 0xFF));
}

void put32(Bytes& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v >> 16));
  put16(out, static_cast<std::uint16_t>(v & 0xFFFF));
}

// Bounds-checked big-endian reader over untrusted bytes.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> wire) : wire_(wire) {}
  bool u16(std::uint16_t& v) {
    if (pos_ + 2 > wire_.size()) return false;
    v = static_cast<std::uint16_t>((wire_[pos_] << 8) | wire_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool u32(std::uint32_t& v) {
    std::uint16_t hi = 0, lo = 0;
    if (!u16(hi) || !u16(lo)) return false;
    v = (std::uint32_t{hi} << 16) | lo;
    return true;
  }
  bool bytes(std::size_t n, Bytes& out) {
    if (pos_ + n > wire_.size()) return false;
    out.assign(wire_.begin() + static_cast<std::ptrdiff_t>(pos_),
               wire_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
    pos_ += n;
    return true;
  }
  bool name(std::string& out) {
    auto n = read_name(wire_, pos_);
    if (!n) return false;
    out = std::move(*n);
    return true;
  }

 private:
  std::span<const std::uint8_t> wire_;
  std::size_t pos_ = 0;
};

void append_label_text(std::string& out, std::span<const std::uint8_t> label) {
  for (std::uint8_t c : label) {
    if (c > 0x20 && c < 0x7F && c != '.' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03u", static_cast<unsigned>(c));
      out += buf;
    }
  }
}

bool read_record(Reader& r, ResourceRecord& rr) {
  std::uint16_t rdlength = 0;
  return r.name(rr.name) && r.u16(rr.type) && r.u16(rr.klass) && r.u32(rr.ttl) &&
         r.u16(rdlength) && r.bytes(rdlength, rr.rdata);
}

bool read_records(Reader& r, std::uint16_t count, std::vector<ResourceRecord>& out) {
  for (std::uint16_t i = 0; i < count; ++i) {
    ResourceRecord rr;
    if (!read_record(r, rr)) return false;
    out.push_back(std::move(rr));
  }
  return true;
}

void append_record(Bytes& out, const ResourceRecord& rr) {
  append_name(out, rr.name);
  put16(out, rr.type);
  put16(out, rr.klass);
  put32(out, rr.ttl);
  put16(out, static_cast<std::uint16_t>(rr.rdata.size()));
  out.insert(out.end(), rr.rdata.begin(), rr.rdata.end());
}

}  // namespace

const ResourceRecord* Message::opt() const {
  for (const auto& rr : additional) {
    if (rr.type == rr_type::kOpt) return &rr;
  }
  return nullptr;
}

int Message::rcode() const {
  const auto* o = opt();
  const int extended = o ? static_cast<int>(o->ttl >> 24) : 0;
  return (extended << 4) | header_rcode();
}

std::vector<std::string> Message::answer_ips() const {
  std::vector<std::string> ips;
  for (const auto& rr : answers) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (rr.type == rr_type::kA && rr.rdata.size() == 4) {
      inet_ntop(AF_INET, rr.rdata.data(), buf, sizeof buf);
      ips.emplace_back(buf);
    } else if (rr.type == rr_type::kAaaa && rr.rdata.size() == 16) {
      inet_ntop(AF_INET6, rr.rdata.data(), buf, sizeof buf);
      ips.emplace_back(buf);
    }
  }
  return ips;
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

std::optional<std::string> read_name(std::span<const std::uint8_t> wire, std::size_t& offset) {
  std::string text;
  std::size_t pos = offset;
  std::size_t wire_length = 1;
  int jumps = 0;
  bool jumped = false;
  while (true) {
    if (pos >= wire.size()) return std::nullopt;
    const std::uint8_t len = wire[pos];
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= wire.size() || ++jumps > 64) return std::nullopt;
      const std::size_t target = static_cast<std::size_t>((len & 0x3F) << 8) | wire[pos + 1];
      if (!jumped) offset = pos + 2;
      jumped = true;
      if (target >= wire.size()) return std::nullopt;
      pos = target;
      continue;
    }
    if ((len & 0xC0) != 0) return std::nullopt;  // reserved label types
    if (len == 0) break;
    if (pos + 1 + len > wire.size()) return std::nullopt;
    wire_length += len + 1u;
    if (wire_length > 255) return std::nullopt;
    append_label_text(text, wire.subspan(pos + 1, len));
    text.push_back('.');
    pos += 1u + len;
  }
  if (!jumped) offset = pos + 1;
  return text.empty() ? std::string(".") : text;
}

Bytes encode_message(const Message& m) {
  Bytes out;
  put16(out, m.id);
  put16(out, m.flags);
  put16(out, static_cast<std::uint16_t>(m.questions.size()));
  put16(out, static_cast<std::uint16_t>(m.answers.size()));
  put16(out, static_cast<std::uint16_t>(m.authority.size()));
  put16(out, static_cast<std::uint16_t>(m.additional.size()));
  for (const auto& q : m.questions) {
    append_name(out, q.name);
    put16(out, q.qtype);
    put16(out, q.qclass);
  }
  for (const auto* section : {&m.answers, &m.authority, &m.additional}) {
    for (const auto& rr : *section) append_record(out, rr);
  }
  return out;
}

std::optional<Message> parse_message(std::span<const std::uint8_t> wire) {
  Reader r(wire);
  Message m;
  std::uint16_t qd = 0, an = 0, ns = 0, ar = 0;
  if (!r.u16(m.id) || !r.u16(m.flags) || !r.u16(qd) || !r.u16(an) || !r.u16(ns) || !r.u16(ar)) {
    return std::nullopt;
  }
  for (std::uint16_t i = 0; i < qd; ++i) {
    Question q;
    if (!r.name(q.name) || !r.u16(q.qtype) || !r.u16(q.qclass)) return std::nullopt;
    m.questions.push_back(std::move(q));
  }
  if (!read_records(r, an, m.answers) || !read_records(r, ns, m.authority) ||
      !read_records(r, ar, m.additional)) {
    return std::nullopt;
  }
  return m;
}

ResourceRecord make_opt(const EdnsOptions& edns) {
  ResourceRecord rr;
  rr.name = ".";
  rr.type = rr_type::kOpt;
  rr.klass = edns.payload;
  rr.ttl = (std::uint32_t{edns.version} << 16) | (edns.dnssec_ok ? 0x8000u : 0u);
  return rr;
}

ResourceRecord make_a(std::string_view name, std::string_view ipv4, std::uint32_t ttl) {
  ResourceRecord rr{std::string(name), rr_type::kA, 1, ttl, Bytes(4)};
  inet_pton(AF_INET, std::string(ipv4).c_str(), rr.rdata.data());
  return rr;
}

ResourceRecord make_aaaa(std::string_view name, std::string_view ipv6, std::uint32_t ttl) {
  ResourceRecord rr{std::string(name), rr_type::kAaaa, 1, ttl, Bytes(16)};
  inet_pton(AF_INET6, std::string(ipv6).c_str(), rr.rdata.data());
  return rr;
}

Bytes build_query(std::uint16_t id, std::string_view name, std::uint16_t qtype,
                  std::optional<EdnsOptions> edns) {
  Message m;
  m.id = id;
  m.flags = 0x0100;  // RD
  m.questions.push_back({std::string(name), qtype, 1});
  if (edns) m.additional.push_back(make_opt(*edns));
  return encode_message(m);
}

std::string type_to_string(std::uint16_t type) {
  switch (type) {
    case rr_type::kA: return "A";
    case rr_type::kAaaa: return "AAAA";
    case 2: return "NS";
    case 5: return "CNAME";
    case 6: return "SOA";
    case 12: return "PTR";
    case 15: return "MX";
    case 16: return "TXT";
    case 33: return "SRV";
    case 65: return "HTTPS";
    default: return "TYPE" + std::to_string(type);
  }
}

std::string rcode_to_string(int rc) {
  static const char* const kNames[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                       "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                       "NXRRSET", "NOTAUTH", "NOTZONE"};
  if (rc >= 0 && rc < 11) return kNames[rc];
  if (rc == rcode::kBadVers) return "BADVERS";
  return "RCODE" + std::to_string(rc);
}

bool names_equal(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace sprout::e2e
