// QueryCounters: fixed-size, allocation-free on the counting side.
#include "sprout/core/counters.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "sprout/core/network_table.hpp"
#include "sprout/core/snapshot.hpp"

namespace sprout::core {
namespace {

constexpr std::size_t kCells = kMaxCountedNetworks * kCategorySlots * kActions;

std::atomic_ref<std::uint64_t> word(std::uint64_t& w) noexcept { return std::atomic_ref<std::uint64_t>(w); }

std::size_t cell_index(std::size_t network, int category, ReportAction action) noexcept {
  const std::size_t n = std::min(network, kMaxCountedNetworks - 1);
  const std::size_t c = category < 0 ? kCategorySlots - 1 : std::min<std::size_t>(static_cast<std::size_t>(category), kCategorySlots - 2);
  return (n * kCategorySlots + c) * kActions + static_cast<std::size_t>(action);
}

std::uint64_t name_hash(std::string_view s) noexcept {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a: the table is tiny and keyed by us
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h | 1;  // 0 marks an empty slot
}

}  // namespace

std::string_view report_action_name(ReportAction a) noexcept {
  switch (a) {
    case ReportAction::allowed: return "allowed";
    case ReportAction::blocked: return "blocked";
    case ReportAction::safesearch: return "safesearch";
    case ReportAction::bypass_blocked: return "bypass-blocked";
    case ReportAction::refused: return "refused";
    case ReportAction::servfail: return "servfail";
    case ReportAction::paused: return "paused";
    case ReportAction::kCount: break;
  }
  return "?";
}

QueryCounters::QueryCounters() {
  cells_.resize(kCells * sizeof(std::uint64_t));
  domains_.resize(kDomainSlots * sizeof(DomainSlot));
}

void QueryCounters::count(std::size_t network, int category, ReportAction action) noexcept {
  word(cell_words()[cell_index(network, category, action)]).fetch_add(1, std::memory_order_relaxed);
}

void QueryCounters::observe_latency_us(std::uint64_t us) noexcept {
  const auto it = std::lower_bound(kLatencyBucketsUs.begin(), kLatencyBucketsUs.end(), us);
  latency_[static_cast<std::size_t>(it - kLatencyBucketsUs.begin())].fetch_add(1, std::memory_order_relaxed);
  latency_sum_us_.fetch_add(us, std::memory_order_relaxed);
}

void QueryCounters::count_blocked_domain(std::string_view domain, int category) noexcept {
  if (domain.size() > kDomainChars) domain = domain.substr(domain.size() - kDomainChars);
  const std::uint64_t h = name_hash(domain);
  for (std::size_t probe = 0; probe < 8; ++probe) {
    DomainSlot& s = domain_slots()[(h + probe) & (kDomainSlots - 1)];
    const std::uint64_t cur = word(s.hash).load(std::memory_order_acquire);
    if (cur == h) {
      word(s.count).fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (cur == 0) {
      // Only this worker writes: fill the name first, then publish the hash.
      s.category = static_cast<std::int16_t>(category);
      s.length = static_cast<std::uint8_t>(domain.size());
      std::memcpy(s.name, domain.data(), domain.size());
      word(s.count).store(1, std::memory_order_relaxed);
      word(s.hash).store(h, std::memory_order_release);
      return;
    }
  }
}

std::vector<QueryCounters::Cell> QueryCounters::cells() const {
  std::vector<Cell> out;
  std::uint64_t* cells = cell_words();
  for (std::size_t i = 0; i < kCells; ++i) {  // (reading a page never written keeps it unmapped)
    const std::uint64_t v = word(cells[i]).load(std::memory_order_relaxed);
    if (v == 0) continue;
    const std::size_t action = i % kActions, rest = i / kActions;
    const std::size_t category = rest % kCategorySlots, network = rest / kCategorySlots;
    out.push_back({static_cast<std::uint16_t>(network),
                   static_cast<std::int16_t>(category == kCategorySlots - 1 ? -1 : static_cast<int>(category)),
                   static_cast<ReportAction>(action), v});
  }
  return out;
}

std::vector<QueryCounters::DomainCount> QueryCounters::blocked_domains() const {
  std::vector<DomainCount> out;
  DomainSlot* slots = domain_slots();
  for (std::size_t i = 0; i < kDomainSlots; ++i) {
    DomainSlot& s = slots[i];
    if (word(s.hash).load(std::memory_order_acquire) == 0) continue;
    out.push_back({std::string(s.name, s.length), s.category, word(s.count).load(std::memory_order_relaxed)});
  }
  return out;
}

std::vector<QueryCounters::DomainCount> QueryCounters::take_blocked_domains() {
  std::vector<DomainCount> out = blocked_domains();
  DomainSlot* slots = domain_slots();
  for (std::size_t i = 0; i < kDomainSlots; ++i) {
    if (slots[i].hash == 0) continue;  // not written: its page stays unmapped
    word(slots[i].hash).store(0, std::memory_order_relaxed);
    word(slots[i].count).store(0, std::memory_order_relaxed);
  }
  return out;
}

std::array<std::uint64_t, kLatencyBucketsUs.size() + 1> QueryCounters::latency_buckets() const {
  std::array<std::uint64_t, kLatencyBucketsUs.size() + 1> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = latency_[i].load(std::memory_order_relaxed);
  return out;
}

ReportAction report_action(const QueryContext& q) noexcept {
  const Decision& d = q.decision;
  switch (q.action) {
    case Action::refused: return ReportAction::refused;
    case Action::servfail: return ReportAction::servfail;
    case Action::blocked: {
      const bool bypass = d.reason == Reason::bypass ||
                          (d.category >= 0 && ((q.snapshot->bypass_categories >> d.category) & 1u) != 0);
      return bypass ? ReportAction::bypass_blocked : ReportAction::blocked;
    }
    case Action::allowed:
      if (d.reason == Reason::paused) return ReportAction::paused;
      return d.kind == DecisionKind::rewrite ? ReportAction::safesearch : ReportAction::allowed;
    default: return ReportAction::kCount;  // malformed or dropped
  }
}

std::vector<ReportUnit> report_units(const config::Config& cfg) {
  std::vector<ReportUnit> units;
  for (const config::Network& n : cfg.networks) units.push_back({n.name, n.labels});
  for (const auto& group : device_label_groups(cfg)) {
    std::string text;
    for (const auto& [k, v] : group) text += (text.empty() ? "" : ", ") + k + "=" + v;
    for (const config::Network& n : cfg.networks) {
      ReportUnit u{n.name + " / " + text, group};
      u.labels.insert(n.labels.begin(), n.labels.end());  // keeps the device's on a clash
      units.push_back(std::move(u));
    }
  }
  // DoT/DoH client IDs last, each a unit like a network (client_id_unit gives its position).
  for (const config::Client& c : cfg.clients) units.push_back({c.id, c.labels});
  if (units.size() > kMaxCountedNetworks - 1) units.resize(kMaxCountedNetworks - 1);
  return units;
}

std::size_t client_id_unit(const config::Config& cfg, std::size_t client) {
  const std::size_t networks = cfg.networks.size();
  const std::size_t unit = networks + device_label_groups(cfg).size() * networks + client;
  return std::min(unit, kMaxCountedNetworks - 1);  // past the table: counted with "none"
}

std::size_t report_unit(const QueryContext& q) noexcept {
  if (q.network == nullptr) return kMaxCountedNetworks - 1;
  const std::size_t networks = q.snapshot->config->networks.size();
  // A client ID's unit (or a listener's "none") already is the most specific one.
  if (q.device == nullptr || q.device->label_group < 0 || q.network->index >= networks) return q.network->index;
  const std::size_t unit = networks + static_cast<std::size_t>(q.device->label_group) * networks + q.network->index;
  return unit < kMaxCountedNetworks - 1 ? unit : q.network->index;
}

void record_query(QueryCounters& counters, const QueryContext& q, std::uint64_t latency_us) noexcept {
  if (q.guard != Guard::none) counters.count_guard(q.guard);
  counters.count_ignored_options(q.ignored_options);
  const ReportAction action = report_action(q);
  if (action == ReportAction::kCount) return;  // not a query anyone asked for in earnest
  const std::size_t network = report_unit(q);
  if (q.action == Action::blocked && !q.decision.matched.empty()) {
    counters.count_blocked_domain(q.decision.matched, q.decision.category);
  }
  counters.count(network, q.decision.category, action);
  counters.observe_latency_us(latency_us);
}

}  // namespace sprout::core
