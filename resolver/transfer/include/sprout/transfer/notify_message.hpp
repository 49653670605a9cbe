// NOTIFY (RFC 1996) as data: read a NOTIFY with ldns, check its TSIG (MAC with ldns, time
// against the fudge ourselves), let the caller decide, and write the answer (signed with the
// same key when the NOTIFY was). No I/O here.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "sprout/config/config.hpp"

namespace sprout::transfer {

// True for a request with opcode NOTIFY (reads the header only).
bool is_notify(std::span<const std::uint8_t> wire) noexcept;

struct NotifyPolicy {
  // The key NOTIFYs for `zone` must carry; nullopt: none (also for zones not followed).
  std::function<std::optional<config::TsigKey>(const std::string& zone)> key_for;
  // `signed_by`: the key whose TSIG checked out, empty when unsigned. True: accepted (NOERROR).
  std::function<bool(const std::string& zone, const std::string& signed_by)> accept;
};

struct NotifyAnswer {
  std::size_t size = 0;  // bytes of `out` holding the answer; 0: drop (unreadable)
  std::string zone;
  std::string why;       // refused: the reason (for the log)
  bool accepted = false;
};

NotifyAnswer answer_notify(std::span<const std::uint8_t> wire, std::span<std::uint8_t> out, const NotifyPolicy& policy,
                           std::chrono::system_clock::time_point now);

}  // namespace sprout::transfer
