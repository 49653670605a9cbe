// Timed pauses: the state file (JSON, written atomically) and their effect on one decision.
#include "sprout/core/pause_book.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

#include "sprout/core/json.hpp"
#include "sprout/core/snapshot.hpp"

namespace sprout::core {
namespace {

template <class E, std::size_t N>
std::optional<E> from_name(std::string_view text, const std::array<std::string_view, N>& names) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<E>(i);
  }
  return std::nullopt;
}

constexpr std::array<std::string_view, 3> kScopes{"device", "network", "profile"};
constexpr std::array<std::string_view, 3> kWhats{"filtering", "service", "domain"};

bool under(std::string_view name, std::string_view domain) noexcept {
  return name == domain || (name.size() > domain.size() && name.ends_with(domain) && name[name.size() - domain.size() - 1] == '.');
}

bool covers(const Pause& p, const QueryContext& q) noexcept {
  switch (p.scope) {
    case PauseScope::device: return q.device != nullptr && q.device->name == p.target;
    case PauseScope::network: return q.network != nullptr && q.network->name == p.target;
    case PauseScope::profile: return q.network != nullptr && q.snapshot->config->profiles[q.profile()].name == p.target;
  }
  return false;
}

bool lifts(const Pause& p, const Snapshot& snap, std::string_view qname, const Decision& d) noexcept {
  // Bypass canaries stay: they only keep devices on this resolver, which a pause still needs.
  if (d.kind != DecisionKind::block || d.reason == Reason::bypass) return false;
  switch (p.what) {
    case PauseWhat::filtering: return true;
    case PauseWhat::service:
      return d.category >= 0 && snap.config->categories[static_cast<std::size_t>(d.category)].name == p.item;
    case PauseWhat::domain: return under(qname, p.item);
  }
  return false;
}

}  // namespace

std::string_view scope_name(PauseScope s) noexcept { return kScopes[static_cast<std::size_t>(s)]; }
std::string_view what_name(PauseWhat w) noexcept { return kWhats[static_cast<std::size_t>(w)]; }

void PauseBook::publish(std::vector<Pause> pauses) {
  count_.store(pauses.size(), std::memory_order_relaxed);
  pauses_.store(std::make_shared<const std::vector<Pause>>(std::move(pauses)), std::memory_order_release);
}

std::vector<Pause> PauseBook::active(std::chrono::system_clock::time_point now) const {
  std::vector<Pause> out;
  for (const Pause& p : *all()) {
    if (p.until > now) out.push_back(p);
  }
  return out;
}

bool PauseBook::load(std::chrono::system_clock::time_point now, std::string& error) {
  if (path_.empty()) return true;
  std::ifstream in(path_);
  if (!in) return true;  // no pauses yet
  std::stringstream text;
  text << in.rdbuf();
  const Json j = Json::parse(text.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("pauses") || !j["pauses"].is_array()) {
    error = path_ + ": not a pauses file (kept as it is; no pauses loaded)";
    return false;
  }
  std::vector<Pause> pauses;
  for (const Json& e : j["pauses"]) {
    if (!e.is_object()) continue;
    const auto scope = from_name<PauseScope>(e.value("scope", std::string()), kScopes);
    const auto what = from_name<PauseWhat>(e.value("what", std::string()), kWhats);
    const std::int64_t until = e.value("until", std::int64_t{0});
    if (!scope || !what) continue;
    Pause p{*scope, e.value("target", std::string()), *what, e.value("item", std::string()),
            std::chrono::sys_seconds(std::chrono::seconds(until))};
    if (p.until > now) pauses.push_back(std::move(p));
  }
  publish(std::move(pauses));
  return true;
}

bool PauseBook::save(const std::vector<Pause>& pauses, std::string& error) const {
  if (path_.empty()) return true;
  Json list = Json::array();
  for (const Pause& p : pauses) {
    list.push_back({{"scope", scope_name(p.scope)}, {"target", p.target}, {"what", what_name(p.what)},
                    {"item", p.item}, {"until", p.until.time_since_epoch().count()}});
  }
  const std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << dump_json({{"pauses", list}}, 2) << "\n";
    if (!out.flush()) {
      error = "cannot write " + tmp;
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) {  // atomic: a crash leaves the old file
    error = "cannot replace " + path_;
    return false;
  }
  return true;
}

bool PauseBook::add(Pause p, std::chrono::system_clock::time_point now, std::string& error) {
  std::vector<Pause> next = active(now);
  std::erase_if(next, [&](const Pause& x) { return x.scope == p.scope && x.target == p.target && x.what == p.what && x.item == p.item; });
  next.push_back(std::move(p));
  if (!save(next, error)) return false;
  publish(std::move(next));
  return true;
}

std::size_t PauseBook::remove(PauseScope scope, std::string_view target, std::chrono::system_clock::time_point now,
                              std::string& error) {
  std::vector<Pause> next = active(now);
  const std::size_t removed = std::erase_if(next, [&](const Pause& x) { return x.scope == scope && x.target == target; });
  if (save(next, error)) publish(std::move(next));
  return removed;
}

void apply_pauses(const QueryContext& q, std::string_view qname, std::chrono::system_clock::time_point now,
                  Decision& d) noexcept {
  const Snapshot& snap = *q.snapshot;
  if (!snap.pauses || snap.pauses->empty()) return;
  const auto pauses = snap.pauses->all();
  for (const Pause& p : *pauses) {
    if (p.until <= now || !covers(p, q)) continue;
    // Every answer given during a pause expires with it, like at a schedule change.
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(p.until - now).count();
    d.ttl_cap = std::min<std::uint32_t>(d.ttl_cap, static_cast<std::uint32_t>(std::max<std::int64_t>(left, 1)));
    if (!lifts(p, snap, qname, d)) continue;
    d.kind = DecisionKind::resolve;
    d.reason = Reason::paused;
  }
}

}  // namespace sprout::core
