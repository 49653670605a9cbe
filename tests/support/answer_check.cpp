#include "answer_check.hpp"

#include <sstream>
#include <type_traits>

namespace sprout::test {
namespace {

std::uint16_t header16(std::span<const std::uint8_t> wire, std::size_t at) {
  return static_cast<std::uint16_t>((wire[at] << 8) | wire[at + 1]);
}

// Adds "what: expected X, got Y" when an expectation is set and not met.
class Comparer {
 public:
  explicit Comparer(std::vector<std::string>& problems) : problems_(problems) {}
  template <class T, class U>
  void operator()(const char* what, const std::optional<T>& expected, const U& got) {
    if (!expected || *expected == got) return;
    std::ostringstream s;
    s << what << ": expected " << show(*expected) << ", got " << show(got);
    problems_.push_back(s.str());
  }

 private:
  template <class V>
  static std::string show(const V& v) {
    std::ostringstream s;
    if constexpr (std::is_same_v<V, bool>) {
      s << (v ? "set" : "clear");
    } else if constexpr (std::is_integral_v<V>) {
      s << static_cast<long long>(v);
    } else {
      s << '"' << v << '"';
    }
    return s.str();
  }
  std::vector<std::string>& problems_;
};

void check_opt_placement(const Message& m, std::vector<std::string>& problems) {
  if (m.opt_records > 1) problems.push_back(std::to_string(m.opt_records) + " OPT records (at most one)");
  for (const auto* section : {&m.answers, &m.authority, &m.additional}) {
    for (const auto& rr : *section) {
      if (rr.type == rr_type::kOpt) problems.push_back("OPT record outside the additional section");
    }
  }
}

std::vector<std::string> compare(std::span<const std::uint8_t> wire, const Message& m, const Expect& e) {
  std::vector<std::string> problems;
  check_opt_placement(m, problems);
  Comparer cmp(problems);
  cmp("ID", e.id, m.id);
  cmp("rcode", e.rcode ? std::optional<std::string>(rcode_to_string(*e.rcode)) : std::nullopt, rcode_to_string(m.rcode()));
  cmp("opcode", e.opcode, m.opcode());
  cmp("QR", e.qr, m.qr());
  cmp("AA", e.aa, m.aa());
  cmp("TC", e.tc, m.tc());
  cmp("RD", e.rd, m.rd());
  cmp("RA", e.ra, m.ra());
  cmp("QDCOUNT", e.qdcount, header16(wire, 4));
  cmp("ANCOUNT", e.ancount, header16(wire, 6));
  cmp("NSCOUNT", e.nscount, header16(wire, 8));
  cmp("ARCOUNT", e.arcount, header16(wire, 10));
  cmp("OPT record", e.opt, m.edns.has_value());
  if (e.udp_size) {
    if (!m.edns) problems.push_back("OPT record: expected one advertising " + std::to_string(*e.udp_size) + ", got none");
    else cmp("advertised UDP size", e.udp_size, m.edns->udp_size);
  }
  if (e.max_size && wire.size() > *e.max_size) {
    problems.push_back("size: expected at most " + std::to_string(*e.max_size) + " bytes, got " + std::to_string(wire.size()));
  }
  if (e.qname || e.qtype) {
    if (m.questions.size() != 1) {
      problems.push_back("question: expected one echoed, got " + std::to_string(m.questions.size()));
    } else {
      cmp("question name", e.qname, m.questions[0].name);
      cmp("question type", e.qtype ? std::optional<std::string>(type_to_string(*e.qtype)) : std::nullopt,
          type_to_string(m.questions[0].qtype));
    }
  }
  if (e.ede) {
    const auto got = m.extended_error();
    if (!got) problems.push_back("EDE: expected info-code " + std::to_string(*e.ede) + ", got none");
    else cmp("EDE info-code", e.ede, got->info_code);
  }
  return problems;
}

}  // namespace

Expect reply_to(std::span<const std::uint8_t> query) {
  Expect e;
  if (query.size() < 4) return e;
  const std::uint16_t flags = header16(query, 2);
  e.id = header16(query, 0);
  e.opcode = (flags >> 11) & 0xF;
  e.rd = (flags & flag::kRd) != 0;
  const auto q = parse_message(query);
  if (!q) return e;
  e.opt = q->edns.has_value();  // RFC 6891 7: an OPT in the reply if and only if the query had one
  if (q->questions.size() == 1) {
    e.qname = q->questions[0].name;
    e.qtype = q->questions[0].qtype;
  }
  return e;
}

std::size_t udp_limit(std::span<const std::uint8_t> query) {
  const auto q = parse_message(query);
  return q && q->edns && q->edns->udp_size > 512 ? q->edns->udp_size : 512;
}

bool has_opt(std::span<const std::uint8_t> query) {
  const auto q = parse_message(query);
  return q && q->edns.has_value();
}

AnswerCheck::AnswerCheck(std::span<const std::uint8_t> wire, ReadResult read, std::vector<std::string> problems)
    : wire_(wire.begin(), wire.end()), read_(std::move(read)), problems_(std::move(problems)) {}

std::string AnswerCheck::report() const {
  std::ostringstream s;
  if (!parsed()) s << "ldns cannot parse the answer: " << read_.error << '\n';
  for (const auto& p : problems_) s << "  " << p << '\n';
  if (parsed()) s << "ldns reads:\n" << presentation(wire_);
  s << "bytes (" << wire_.size() << "):\n" << hex_dump(wire_) << '\n';
  return s.str();
}

AnswerCheck check_answer(std::span<const std::uint8_t> wire, const Expect& expect) {
  ReadResult read = read_message(wire);
  std::vector<std::string> problems;
  if (read.message) problems = compare(wire, *read.message, expect);
  return AnswerCheck(wire, std::move(read), std::move(problems));
}

}  // namespace sprout::test
