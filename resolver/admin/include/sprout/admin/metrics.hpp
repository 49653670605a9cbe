// Prometheus text exposition (format 0.0.4) of Sprout's counters; plain data in, text out, no Asio.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sprout/core/counters.hpp"

namespace sprout::admin {

// A network as metrics see it: its name and its report labels (province, district, school).
// Labels whose key is not a valid Prometheus label name (or is reserved) are skipped.
struct NetworkInfo {
  std::string name;
  std::map<std::string, std::string> labels;
};

// A histogram: `counts` are per bucket (not cumulative), one per bound plus a final +Inf.
struct Histogram {
  std::vector<double> bounds_seconds;
  std::vector<std::uint64_t> counts;
  double sum_seconds = 0.0;
};

struct CacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t entries = 0;
};

struct UpstreamStats {
  std::string address;  // "ip:port"
  std::uint64_t queries = 0;
  std::uint64_t failures = 0;
  Histogram latency;    // empty bounds: no latency series for this upstream
};

struct ListStats {
  std::string name;
  std::string category;
  std::uint64_t entries = 0;
  std::optional<double> age_seconds;  // none: never loaded
  std::uint64_t refresh_failures = 0;
  std::optional<double> expire_seconds{};  // a transferred zone: until it expires (negative: past)
};

struct ListenerStats {
  std::string listener;  // "udp 127.0.0.1:53": configured addresses only, never client text
  std::size_t worker = 0;
  bool serving = true;   // as /health judges it
  std::uint64_t errors = 0;
};

// One encrypted transport's counters (DoT, DoH), summed over workers.
struct EncryptedStats {
  std::string transport;  // "dot", "doh"
  std::uint64_t connections = 0;
  std::uint64_t handshakes = 0;
  std::uint64_t handshake_failures = 0;
  std::uint64_t queries = 0;
  std::uint64_t errors = 0;
  std::uint64_t forwarded_ignored = 0;  // X-Forwarded-For not believed (plain-HTTP DoH)
};

// Everything /metrics shows, filled by the lead (already summed over workers).
struct MetricsInput {
  std::vector<NetworkInfo> networks;     // index = network index in the counters
  std::vector<std::string> categories;   // index = category index in the counters
  std::vector<core::QueryCounters::Cell> cells;  // duplicates are summed
  Histogram query_duration;              // see histogram_from_us()
  CacheStats cache;
  std::vector<UpstreamStats> upstreams;
  std::vector<ListStats> lists;
  std::uint64_t reloads = 0;
  std::uint64_t reload_failures = 0;
  std::uint64_t tcp_connections = 0;
  std::vector<EncryptedStats> encrypted;  // only transports with a listener
  std::array<std::uint64_t, core::kGuards> guards{};  // by core::Guard
  std::array<std::uint64_t, core::kIgnoredOptions> ignored_options{};  // by core::IgnoredOption
  std::vector<ListenerStats> listeners;
  bool up = true;
  // stats.backend postgresql only (absent: no central-store samples are written).
  struct CentralStats {
    bool connected = false;
    std::int64_t spooled = 0;          // batches waiting in the local spool
    std::uint64_t sent = 0, dropped = 0, failures = 0;
  };
  std::optional<CentralStats> central;
};

// Converts QueryCounters' microsecond buckets (kLatencyBucketsUs + overflow) into seconds.
[[nodiscard]] Histogram histogram_from_us(
    const std::array<std::uint64_t, core::kLatencyBucketsUs.size() + 1>& buckets,
    std::uint64_t sum_us);

[[nodiscard]] std::string render_metrics(const MetricsInput& in);

// Building blocks, exposed for tests.
[[nodiscard]] bool is_valid_label_name(std::string_view name) noexcept;
[[nodiscard]] std::string escape_label_value(std::string_view value);
[[nodiscard]] std::string escape_help(std::string_view text);
[[nodiscard]] std::string format_double(double value);

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace sprout::admin
