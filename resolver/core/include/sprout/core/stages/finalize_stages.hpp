// Finalize stages: what every answer owes the client's own query, whatever its source.
#pragma once

#include "sprout/core/stage.hpp"

namespace sprout::core {

// Answers from upstream or the cache carry the client's ID and question bytes (its case);
// one that does not match the client's question becomes SERVFAIL.
class RestoreClientView final : public FinalizeStage {
 public:
  [[nodiscard]] std::string_view name() const noexcept override { return "restore-client-view"; }
  [[nodiscard]] Verdict on_finalize(QueryContext& q, std::span<std::uint8_t>& answer) const override;
};

// What the client's query said about EDNS holds whatever the source (RFC 6891 7): no OPT
// asked, none answered; an OPT asked, one answered, advertising our own UDP size. RA is
// set (Sprout offers recursion) and RD copied from the query.
class ClientEdns final : public FinalizeStage {
 public:
  [[nodiscard]] std::string_view name() const noexcept override { return "client-edns"; }
  [[nodiscard]] Verdict on_finalize(QueryContext& q, std::span<std::uint8_t>& answer) const override;
};

// Over UDP, an answer larger than the client accepts is cut to its question with TC=1.
class Truncate final : public FinalizeStage {
 public:
  [[nodiscard]] std::string_view name() const noexcept override { return "truncate"; }
  [[nodiscard]] Verdict on_finalize(QueryContext& q, std::span<std::uint8_t>& answer) const override;
};

}  // namespace sprout::core
