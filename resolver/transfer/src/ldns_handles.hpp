// Internal: ldns objects owned by unique_ptr, and the canonical text of a record.
#pragma once

#include <ldns/ldns.h>

#include <chrono>
#include <memory>
#include <string>

namespace sprout::transfer::detail {

struct PktFree { void operator()(ldns_pkt* p) const noexcept { ldns_pkt_free(p); } };
struct RdfFree { void operator()(ldns_rdf* r) const noexcept { ldns_rdf_deep_free(r); } };
struct RrFree { void operator()(ldns_rr* r) const noexcept { ldns_rr_free(r); } };
using PktPtr = std::unique_ptr<ldns_pkt, PktFree>;
using RdfPtr = std::unique_ptr<ldns_rdf, RdfFree>;
using RrPtr = std::unique_ptr<ldns_rr, RrFree>;

// "owner.\tIN\tTYPE\trdata ..." with owner and names in rdata lowercased, no TTL: the same
// record always gives the same line, whatever case or TTL the primary sent.
std::string record_text(const ldns_rr* rr);
// A dname's text, lowercase, without the final dot.
std::string name_text(const ldns_rdf* dname);
constexpr std::uint16_t kTsigFudge = 300;  // seconds, RFC 8945's recommendation
// ldns compares MACs only: a replayed message has a good one, so its time signed, within its
// fudge of ours, is what dates it. Empty when fine, else why not.
std::string tsig_time_problem(const ldns_rr* tsig, std::chrono::system_clock::time_point now);
// The TSIG algorithm's name as ldns knows it.
const char* algorithm_name(int algorithm);

}  // namespace sprout::transfer::detail
