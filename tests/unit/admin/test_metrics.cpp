// Prometheus text rendering: an exact golden for a small input, escaping and number formatting.
#include <catch2/catch.hpp>

#include "sprout/admin/metrics.hpp"

using namespace sprout::admin;
using sprout::core::ReportAction;

namespace {

MetricsInput small_input() {
  MetricsInput in;
  in.networks = {{"school-a", {{"province", "Hà Nội"}, {"bad-key", "x"}, {"network", "clash"}}}};
  in.categories = {"adult", "gambling"};
  in.cells = {{0, 1, ReportAction::blocked, 3},
              {0, -1, ReportAction::allowed, 10},
              {0, -1, ReportAction::allowed, 5},
              {255, -1, ReportAction::refused, 2}};
  in.query_duration = {{0.001, 0.01}, {4, 1, 1}, 0.05};
  in.cache = {7, 3, 2};
  in.upstreams = {{"9.9.9.9:53", 10, 1, {{0.1}, {9, 1}, 1.5}}};
  in.lists = {{"ut1-adult", "adult", 1000, 60.5, 2}, {"never", "gambling", 0, std::nullopt, 1},
              {"rpz", "adult", 5, 3.5, 0, -2.5}};
  in.reloads = 1;
  in.tcp_connections = 4;
  in.guards[static_cast<std::size_t>(sprout::core::Guard::rate_refused)] = 6;
  in.guards[static_cast<std::size_t>(sprout::core::Guard::upstream_total)] = 2;
  in.guards[static_cast<std::size_t>(sprout::core::Guard::rebinding)] = 1;
  in.ignored_options = {5, 2, 1};  // untrusted, malformed, duplicate
  in.listeners = {{"udp 127.0.0.1:53", 0, true, 0}, {"tcp [::1]:53", 1, false, 12}};
  return in;
}

constexpr const char* kGolden = R"(# HELP sprout_queries_total DNS queries answered, by network, category and action.
# TYPE sprout_queries_total counter
sprout_queries_total{network="school-a",province="Hà Nội",category="none",action="allowed"} 15
sprout_queries_total{network="school-a",province="Hà Nội",category="gambling",action="blocked"} 3
sprout_queries_total{network="none",category="none",action="refused"} 2
# HELP sprout_query_duration_seconds Time from receiving a query to sending its answer.
# TYPE sprout_query_duration_seconds histogram
sprout_query_duration_seconds_bucket{le="0.001"} 4
sprout_query_duration_seconds_bucket{le="0.01"} 5
sprout_query_duration_seconds_bucket{le="+Inf"} 6
sprout_query_duration_seconds_sum 0.05
sprout_query_duration_seconds_count 6
# HELP sprout_cache_hits_total Answers served from the packet cache.
# TYPE sprout_cache_hits_total counter
sprout_cache_hits_total 7
# HELP sprout_cache_misses_total Cache lookups that went upstream.
# TYPE sprout_cache_misses_total counter
sprout_cache_misses_total 3
# HELP sprout_cache_entries Answers currently held in the packet cache.
# TYPE sprout_cache_entries gauge
sprout_cache_entries 2
# HELP sprout_upstream_queries_total Queries sent to each upstream.
# TYPE sprout_upstream_queries_total counter
sprout_upstream_queries_total{upstream="9.9.9.9:53"} 10
# HELP sprout_upstream_failures_total Upstream queries that failed or timed out.
# TYPE sprout_upstream_failures_total counter
sprout_upstream_failures_total{upstream="9.9.9.9:53"} 1
# HELP sprout_upstream_latency_seconds Upstream round-trip time.
# TYPE sprout_upstream_latency_seconds histogram
sprout_upstream_latency_seconds_bucket{upstream="9.9.9.9:53",le="0.1"} 9
sprout_upstream_latency_seconds_bucket{upstream="9.9.9.9:53",le="+Inf"} 10
sprout_upstream_latency_seconds_sum{upstream="9.9.9.9:53"} 1.5
sprout_upstream_latency_seconds_count{upstream="9.9.9.9:53"} 10
# HELP sprout_rate_limited_total Queries over their client's rate limit, by the answer they got.
# TYPE sprout_rate_limited_total counter
sprout_rate_limited_total{action="refuse"} 6
sprout_rate_limited_total{action="truncate"} 0
# HELP sprout_upstream_limited_total Cache misses not sent upstream: their client's or the worker's outstanding-query limit was reached.
# TYPE sprout_upstream_limited_total counter
sprout_upstream_limited_total{limit="client"} 0
sprout_upstream_limited_total{limit="total"} 2
# HELP sprout_rebinding_blocked_total Upstream answers blocked because a public name pointed into a local address range.
# TYPE sprout_rebinding_blocked_total counter
sprout_rebinding_blocked_total 1
# HELP sprout_client_options_ignored_total Router identity options (MAC, CPE id, client subnet) not believed: from a sender not in trusted_forwarders, malformed, or a second one of a kind.
# TYPE sprout_client_options_ignored_total counter
sprout_client_options_ignored_total{reason="untrusted"} 5
sprout_client_options_ignored_total{reason="malformed"} 2
sprout_client_options_ignored_total{reason="duplicate"} 1
# HELP sprout_list_entries Domains loaded from each blocklist.
# TYPE sprout_list_entries gauge
sprout_list_entries{list="ut1-adult",category="adult"} 1000
sprout_list_entries{list="never",category="gambling"} 0
sprout_list_entries{list="rpz",category="adult"} 5
# HELP sprout_list_age_seconds Seconds since each blocklist was last loaded successfully.
# TYPE sprout_list_age_seconds gauge
sprout_list_age_seconds{list="ut1-adult",category="adult"} 60.5
sprout_list_age_seconds{list="rpz",category="adult"} 3.5
# HELP sprout_list_expire_seconds Zone transfer lists: seconds until the zone expires without a successful refresh (negative: expired).
# TYPE sprout_list_expire_seconds gauge
sprout_list_expire_seconds{list="rpz",category="adult"} -2.5
# HELP sprout_list_expired Zone transfer lists: 1 when the zone is past its expire.
# TYPE sprout_list_expired gauge
sprout_list_expired{list="rpz",category="adult"} 1
# HELP sprout_list_refresh_failures_total Failed blocklist refreshes (the last good copy is kept).
# TYPE sprout_list_refresh_failures_total counter
sprout_list_refresh_failures_total{list="ut1-adult",category="adult"} 2
sprout_list_refresh_failures_total{list="never",category="gambling"} 1
sprout_list_refresh_failures_total{list="rpz",category="adult"} 0
# HELP sprout_reloads_total Successful configuration reloads.
# TYPE sprout_reloads_total counter
sprout_reloads_total 1
# HELP sprout_reload_failures_total Failed configuration reloads (the old configuration stays).
# TYPE sprout_reload_failures_total counter
sprout_reload_failures_total 0
# HELP sprout_tcp_connections_total DNS-over-TCP connections accepted.
# TYPE sprout_tcp_connections_total counter
sprout_tcp_connections_total 4
# HELP sprout_listener_serving 1 when a listener is armed and its last attempt did not fail (see /health).
# TYPE sprout_listener_serving gauge
sprout_listener_serving{listener="udp 127.0.0.1:53",worker="0"} 1
sprout_listener_serving{listener="tcp [::1]:53",worker="1"} 0
# HELP sprout_listener_errors_total Receive and accept errors of each listener (it pauses, then re-arms).
# TYPE sprout_listener_errors_total counter
sprout_listener_errors_total{listener="udp 127.0.0.1:53",worker="0"} 0
sprout_listener_errors_total{listener="tcp [::1]:53",worker="1"} 12
# HELP sprout_up 1 when the resolver is serving.
# TYPE sprout_up gauge
sprout_up 1
)";

}  // namespace

TEST_CASE("render_metrics matches the golden text for a small input", "[metrics]") {
  CHECK(render_metrics(small_input()) == kGolden);
}

TEST_CASE("label values are escaped, HELP text too", "[metrics]") {
  CHECK(escape_label_value(R"(a"b\c)") == R"(a\"b\\c)");
  CHECK(escape_label_value("line\nbreak") == "line\\nbreak");
  CHECK(escape_help("x\\y\nz") == "x\\\\y\\nz");
  MetricsInput in;
  in.networks = {{"evil\"net\\\n", {}}};
  in.cells = {{0, -1, ReportAction::allowed, 1}};
  const std::string text = render_metrics(in);
  CHECK(text.find(R"(sprout_queries_total{network="evil\"net\\\n",category="none",action="allowed"} 1)") !=
        std::string::npos);
}

TEST_CASE("label names are validated before network labels become Prometheus labels", "[metrics]") {
  CHECK(is_valid_label_name("province"));
  CHECK(is_valid_label_name("_x9"));
  CHECK_FALSE(is_valid_label_name(""));
  CHECK_FALSE(is_valid_label_name("9x"));
  CHECK_FALSE(is_valid_label_name("bad-key"));
  CHECK_FALSE(is_valid_label_name("tỉnh"));
}

TEST_CASE("numbers are formatted the way Prometheus reads them", "[metrics]") {
  CHECK(format_double(0.00005) == "0.00005");
  CHECK(format_double(1.0) == "1");
  CHECK(format_double(0.0) == "0");
  CHECK(format_double(1.0 / 0.0) == "+Inf");
  CHECK(format_double(1e-9) == "1e-09");
}

TEST_CASE("histogram_from_us converts the counters' microsecond buckets", "[metrics]") {
  std::array<std::uint64_t, sprout::core::kLatencyBucketsUs.size() + 1> buckets{};
  buckets[0] = 2;
  buckets.back() = 1;
  const Histogram h = histogram_from_us(buckets, 1'500'000);
  REQUIRE(h.bounds_seconds.size() == sprout::core::kLatencyBucketsUs.size());
  CHECK(h.bounds_seconds.front() == Approx(0.00005));
  CHECK(h.sum_seconds == Approx(1.5));
  MetricsInput in;
  in.query_duration = h;
  const std::string text = render_metrics(in);
  CHECK(text.find("sprout_query_duration_seconds_bucket{le=\"0.00005\"} 2\n") != std::string::npos);
  CHECK(text.find("sprout_query_duration_seconds_bucket{le=\"1\"} 2\n") != std::string::npos);
  CHECK(text.find("sprout_query_duration_seconds_bucket{le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(text.find("sprout_query_duration_seconds_count 3\n") != std::string::npos);
}

TEST_CASE("the central stats writer's samples are written only with the postgresql backend", "[metrics]") {
  MetricsInput in = small_input();
  CHECK(render_metrics(in).find("sprout_stats_") == std::string::npos);
  in.central = MetricsInput::CentralStats{false, 42, 7, 3, 9};
  const std::string text = render_metrics(in);
  CHECK(text.find("\nsprout_stats_central_connected 0\n") != std::string::npos);
  CHECK(text.find("\nsprout_stats_spooled_batches 42\n") != std::string::npos);
  CHECK(text.find("\nsprout_stats_sent_batches_total 7\n") != std::string::npos);
  CHECK(text.find("\nsprout_stats_dropped_batches_total 3\n") != std::string::npos);
  CHECK(text.find("\nsprout_stats_write_failures_total 9\n") != std::string::npos);
  CHECK(text.find("# TYPE sprout_stats_dropped_batches_total counter") != std::string::npos);
}

TEST_CASE("encrypted transports get their counters, one sample per transport; none without listeners", "[metrics]") {
  MetricsInput in = small_input();
  CHECK(render_metrics(in).find("sprout_encrypted") == std::string::npos);
  in.encrypted = {{"dot", 5, 4, 1, 30, 2, 0}, {"doh", 7, 7, 0, 12, 3, 4}};
  const std::string text = render_metrics(in);
  for (const char* line : {"sprout_encrypted_connections_total{transport=\"dot\"} 5",
                           "sprout_encrypted_handshakes_total{transport=\"dot\"} 4",
                           "sprout_encrypted_handshake_failures_total{transport=\"dot\"} 1",
                           "sprout_encrypted_queries_total{transport=\"dot\"} 30",
                           "sprout_encrypted_errors_total{transport=\"dot\"} 2",
                           "sprout_encrypted_connections_total{transport=\"doh\"} 7",
                           "sprout_encrypted_queries_total{transport=\"doh\"} 12",
                           "sprout_encrypted_forwarded_for_ignored_total{transport=\"doh\"} 4",
                           "# TYPE sprout_encrypted_handshakes_total counter"}) {
    INFO(line);
    CHECK(text.find(line) != std::string::npos);
  }
}
