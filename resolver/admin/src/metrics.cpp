// Prometheus text exposition 0.0.4: families in a fixed order, labels escaped, no domains or clients.
#include "sprout/admin/metrics.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <tuple>
#include <utility>

namespace sprout::admin {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Label keys Sprout sets itself; a network label with one of these names would clash.
bool is_reserved_label(std::string_view name) noexcept {
  return name == "network" || name == "category" || name == "action" || name == "le" ||
         name == "upstream" || name == "list" || name.substr(0, 2) == "__";
}

void write_header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += escape_help(help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void write_sample(std::string& out, std::string_view name, const Labels& labels, std::string_view value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i != 0) out += ',';
      out += labels[i].first;
      out += "=\"";
      out += escape_label_value(labels[i].second);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += value;
  out += '\n';
}

void write_sample(std::string& out, std::string_view name, const Labels& labels, std::uint64_t value) {
  write_sample(out, name, labels, std::to_string(value));
}

// One histogram series: cumulative buckets, +Inf, sum, count.
void write_histogram(std::string& out, std::string_view name, const Labels& labels, const Histogram& h) {
  const std::string bucket = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < h.bounds_seconds.size(); ++i) {
    cumulative += i < h.counts.size() ? h.counts[i] : 0;
    Labels with_le = labels;
    with_le.emplace_back("le", format_double(h.bounds_seconds[i]));
    write_sample(out, bucket, with_le, cumulative);
  }
  for (std::size_t i = h.bounds_seconds.size(); i < h.counts.size(); ++i) cumulative += h.counts[i];
  Labels with_inf = labels;
  with_inf.emplace_back("le", "+Inf");
  write_sample(out, bucket, with_inf, cumulative);
  write_sample(out, std::string(name) + "_sum", labels, format_double(h.sum_seconds));
  write_sample(out, std::string(name) + "_count", labels, cumulative);
}

std::string network_name(const MetricsInput& in, std::size_t index) {
  const std::size_t named = std::min(in.networks.size(), core::kMaxCountedNetworks - 1);
  return index < named ? in.networks[index].name : std::string("none");
}

Labels network_labels(const MetricsInput& in, std::size_t index) {
  Labels labels{{"network", network_name(in, index)}};
  const std::size_t named = std::min(in.networks.size(), core::kMaxCountedNetworks - 1);
  if (index >= named) return labels;
  for (const auto& [key, value] : in.networks[index].labels) {
    if (is_valid_label_name(key) && !is_reserved_label(key)) labels.emplace_back(key, value);
  }
  return labels;
}

std::string category_name(const MetricsInput& in, int index) {
  if (index < 0) return "none";
  const auto i = static_cast<std::size_t>(index);
  return i < in.categories.size() ? in.categories[i] : std::string("unknown");
}

void write_queries(std::string& out, const MetricsInput& in) {
  write_header(out, "sprout_queries_total", "counter", "DNS queries answered, by network, category and action.");
  std::map<std::tuple<std::uint16_t, std::int16_t, std::uint8_t>, std::uint64_t> sums;
  for (const auto& c : in.cells) sums[{c.network, c.category, static_cast<std::uint8_t>(c.action)}] += c.count;
  for (const auto& [key, count] : sums) {
    const auto& [network, category, action] = key;
    Labels labels = network_labels(in, network);
    labels.emplace_back("category", category_name(in, category));
    labels.emplace_back("action", std::string(core::report_action_name(static_cast<core::ReportAction>(action))));
    write_sample(out, "sprout_queries_total", labels, count);
  }
}

void write_cache_and_upstreams(std::string& out, const MetricsInput& in) {
  write_header(out, "sprout_cache_hits_total", "counter", "Answers served from the packet cache.");
  write_sample(out, "sprout_cache_hits_total", {}, in.cache.hits);
  write_header(out, "sprout_cache_misses_total", "counter", "Cache lookups that went upstream.");
  write_sample(out, "sprout_cache_misses_total", {}, in.cache.misses);
  write_header(out, "sprout_cache_entries", "gauge", "Answers currently held in the packet cache.");
  write_sample(out, "sprout_cache_entries", {}, in.cache.entries);
  write_header(out, "sprout_upstream_queries_total", "counter", "Queries sent to each upstream.");
  for (const auto& u : in.upstreams) write_sample(out, "sprout_upstream_queries_total", {{"upstream", u.address}}, u.queries);
  write_header(out, "sprout_upstream_failures_total", "counter", "Upstream queries that failed or timed out.");
  for (const auto& u : in.upstreams) write_sample(out, "sprout_upstream_failures_total", {{"upstream", u.address}}, u.failures);
  write_header(out, "sprout_upstream_latency_seconds", "histogram", "Upstream round-trip time.");
  for (const auto& u : in.upstreams) {
    if (!u.latency.bounds_seconds.empty()) write_histogram(out, "sprout_upstream_latency_seconds", {{"upstream", u.address}}, u.latency);
  }
}

void write_lists(std::string& out, const MetricsInput& in) {
  write_header(out, "sprout_list_entries", "gauge", "Domains loaded from each blocklist.");
  for (const auto& l : in.lists) write_sample(out, "sprout_list_entries", {{"list", l.name}, {"category", l.category}}, l.entries);
  write_header(out, "sprout_list_age_seconds", "gauge", "Seconds since each blocklist was last loaded successfully.");
  for (const auto& l : in.lists) {
    if (l.age_seconds) write_sample(out, "sprout_list_age_seconds", {{"list", l.name}, {"category", l.category}}, format_double(*l.age_seconds));
  }
  write_header(out, "sprout_list_expire_seconds", "gauge",
               "Zone transfer lists: seconds until the zone expires without a successful refresh (negative: expired).");
  for (const auto& l : in.lists) {
    if (l.expire_seconds) write_sample(out, "sprout_list_expire_seconds", {{"list", l.name}, {"category", l.category}}, format_double(*l.expire_seconds));
  }
  write_header(out, "sprout_list_expired", "gauge", "Zone transfer lists: 1 when the zone is past its expire.");
  for (const auto& l : in.lists) {
    if (l.expire_seconds) write_sample(out, "sprout_list_expired", {{"list", l.name}, {"category", l.category}}, *l.expire_seconds < 0 ? "1" : "0");
  }
  write_header(out, "sprout_list_refresh_failures_total", "counter", "Failed blocklist refreshes (the last good copy is kept).");
  for (const auto& l : in.lists) {
    write_sample(out, "sprout_list_refresh_failures_total", {{"list", l.name}, {"category", l.category}}, l.refresh_failures);
  }
}

std::uint64_t guard(const MetricsInput& in, core::Guard g) { return in.guards[static_cast<std::size_t>(g)]; }

void write_abuse(std::string& out, const MetricsInput& in) {
  write_header(out, "sprout_rate_limited_total", "counter", "Queries over their client's rate limit, by the answer they got.");
  write_sample(out, "sprout_rate_limited_total", {{"action", "refuse"}}, guard(in, core::Guard::rate_refused));
  write_sample(out, "sprout_rate_limited_total", {{"action", "truncate"}}, guard(in, core::Guard::rate_truncated));
  write_header(out, "sprout_upstream_limited_total", "counter",
               "Cache misses not sent upstream: their client's or the worker's outstanding-query limit was reached.");
  write_sample(out, "sprout_upstream_limited_total", {{"limit", "client"}}, guard(in, core::Guard::upstream_client));
  write_sample(out, "sprout_upstream_limited_total", {{"limit", "total"}}, guard(in, core::Guard::upstream_total));
  write_header(out, "sprout_rebinding_blocked_total", "counter",
               "Upstream answers blocked because a public name pointed into a local address range.");
  write_sample(out, "sprout_rebinding_blocked_total", {}, guard(in, core::Guard::rebinding));
  write_header(out, "sprout_client_options_ignored_total", "counter",
               "Router identity options (MAC, CPE id, client subnet) not believed: from a sender not in trusted_forwarders, "
               "malformed, or a second one of a kind.");
  constexpr std::array<std::pair<core::IgnoredOption, const char*>, core::kIgnoredOptions> kReasons{
      {{core::IgnoredOption::untrusted, "untrusted"}, {core::IgnoredOption::malformed, "malformed"}, {core::IgnoredOption::duplicate, "duplicate"}}};
  for (const auto& [reason, name] : kReasons) {
    write_sample(out, "sprout_client_options_ignored_total", {{"reason", name}}, in.ignored_options[static_cast<std::size_t>(reason)]);
  }
}

// The central store's writer: what an operator alerts on when a district stops reporting.
void write_central(std::string& out, const MetricsInput::CentralStats& c) {
  write_header(out, "sprout_stats_central_connected", "gauge", "1 while the central PostgreSQL store is reachable.");
  write_sample(out, "sprout_stats_central_connected", {}, c.connected ? "1" : "0");
  write_header(out, "sprout_stats_spooled_batches", "gauge", "Per-minute batches waiting in the local spool for PostgreSQL.");
  write_sample(out, "sprout_stats_spooled_batches", {}, std::to_string(c.spooled));
  write_header(out, "sprout_stats_sent_batches_total", "counter", "Per-minute batches written to PostgreSQL.");
  write_sample(out, "sprout_stats_sent_batches_total", {}, c.sent);
  write_header(out, "sprout_stats_dropped_batches_total", "counter", "Batches dropped because the spool was full (oldest first).");
  write_sample(out, "sprout_stats_dropped_batches_total", {}, c.dropped);
  write_header(out, "sprout_stats_write_failures_total", "counter", "Failed connections or writes to PostgreSQL.");
  write_sample(out, "sprout_stats_write_failures_total", {}, c.failures);
}

void write_encrypted(std::string& out, const std::vector<EncryptedStats>& transports) {
  if (transports.empty()) return;
  using Field = std::uint64_t EncryptedStats::*;
  const std::array<std::tuple<const char*, const char*, Field>, 6> metrics{{
      {"sprout_encrypted_connections_total", "Encrypted DNS connections accepted (within the connection and handshake caps).",
       &EncryptedStats::connections},
      {"sprout_encrypted_handshakes_total", "TLS handshakes completed.", &EncryptedStats::handshakes},
      {"sprout_encrypted_handshake_failures_total", "TLS handshakes failed, timed out or refused (wrong SNI).",
       &EncryptedStats::handshake_failures},
      {"sprout_encrypted_queries_total", "DNS queries received over encrypted transports.", &EncryptedStats::queries},
      {"sprout_encrypted_errors_total", "Connections refused at a cap or closed for broken framing or requests.",
       &EncryptedStats::errors},
      {"sprout_encrypted_forwarded_for_ignored_total",
       "X-Forwarded-For headers not believed on plain-HTTP DoH (the peer is no trusted proxy, or the header is unreadable).",
       &EncryptedStats::forwarded_ignored},
  }};
  for (const auto& [name, help, field] : metrics) {
    write_header(out, name, "counter", help);
    for (const EncryptedStats& t : transports) write_sample(out, name, {{"transport", t.transport}}, t.*field);
  }
}

void write_process(std::string& out, const MetricsInput& in) {
  write_header(out, "sprout_reloads_total", "counter", "Successful configuration reloads.");
  write_sample(out, "sprout_reloads_total", {}, in.reloads);
  write_header(out, "sprout_reload_failures_total", "counter", "Failed configuration reloads (the old configuration stays).");
  write_sample(out, "sprout_reload_failures_total", {}, in.reload_failures);
  write_header(out, "sprout_tcp_connections_total", "counter", "DNS-over-TCP connections accepted.");
  write_sample(out, "sprout_tcp_connections_total", {}, in.tcp_connections);
  write_encrypted(out, in.encrypted);
  write_header(out, "sprout_listener_serving", "gauge", "1 when a listener is armed and its last attempt did not fail (see /health).");
  for (const auto& l : in.listeners) {
    write_sample(out, "sprout_listener_serving", {{"listener", l.listener}, {"worker", std::to_string(l.worker)}}, l.serving ? "1" : "0");
  }
  write_header(out, "sprout_listener_errors_total", "counter", "Receive and accept errors of each listener (it pauses, then re-arms).");
  for (const auto& l : in.listeners) {
    write_sample(out, "sprout_listener_errors_total", {{"listener", l.listener}, {"worker", std::to_string(l.worker)}}, l.errors);
  }
  write_header(out, "sprout_up", "gauge", "1 when the resolver is serving.");
  write_sample(out, "sprout_up", {}, in.up ? "1" : "0");
}

}  // namespace

bool is_valid_label_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_help(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_double(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  const double magnitude = std::fabs(value);
  // Plain decimals read better (le="0.00005"); exponents only for extreme values.
  const auto fmt = (magnitude == 0.0 || (magnitude >= 1e-6 && magnitude < 1e15)) ? std::chars_format::fixed
                                                                                 : std::chars_format::general;
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, fmt);
  if (ec != std::errc{}) return "NaN";
  return std::string(buf, end);
}

Histogram histogram_from_us(const std::array<std::uint64_t, core::kLatencyBucketsUs.size() + 1>& buckets,
                            std::uint64_t sum_us) {
  Histogram h;
  for (const auto bound : core::kLatencyBucketsUs) h.bounds_seconds.push_back(static_cast<double>(bound) / 1e6);
  h.counts.assign(buckets.begin(), buckets.end());
  h.sum_seconds = static_cast<double>(sum_us) / 1e6;
  return h;
}

std::string render_metrics(const MetricsInput& in) {
  std::string out;
  out.reserve(4096 + in.cells.size() * 96);
  write_queries(out, in);
  write_header(out, "sprout_query_duration_seconds", "histogram", "Time from receiving a query to sending its answer.");
  write_histogram(out, "sprout_query_duration_seconds", {}, in.query_duration);
  write_cache_and_upstreams(out, in);
  write_abuse(out, in);
  write_lists(out, in);
  write_process(out, in);
  if (in.central) write_central(out, *in.central);
  return out;
}

}  // namespace sprout::admin
