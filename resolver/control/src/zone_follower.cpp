// The zone follower: transfer loops, timers from the config or the zone's SOA, NOTIFY.
#include "sprout/control/zone_follower.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

#include "sprout/blocklists/list_loader.hpp"
#include "sprout/core/log.hpp"
#include "sprout/transfer/notify_message.hpp"
#include "sprout/transfer/transfer_client.hpp"

namespace sprout::control {
namespace {

using std::chrono::seconds;
constexpr seconds kRetryWithoutZone{60};  // no zone yet, no `retry`: try again in a minute

const char* outcome_word(transfer::Outcome o) {
  return o == transfer::Outcome::incremental ? "IXFR" : o == transfer::Outcome::full_zone ? "AXFR" : "check";
}

}  // namespace

struct ZoneFollower::Follow {
  config::List list;
  std::string path;  // the last-good copy
  std::optional<transfer::RpzZone> zone;
  std::optional<std::chrono::system_clock::time_point> fetched;
  asio::steady_timer timer;
  bool stopped = false;
  bool notified = false;  // a NOTIFY came while a transfer ran: check again right after it
  bool running = false;

  Follow(asio::io_context& io, config::List l, std::string p) : list(std::move(l)), path(std::move(p)), timer(io) {}

  [[nodiscard]] seconds refresh() const {
    if (list.transfer->refresh) return *list.transfer->refresh;
    return zone ? seconds(std::max<std::uint32_t>(zone->soa.refresh, 1)) : kRetryWithoutZone;
  }
  [[nodiscard]] seconds retry() const {
    if (list.transfer->retry) return *list.transfer->retry;
    return zone && zone->soa.retry > 0 ? seconds(zone->soa.retry) : kRetryWithoutZone;
  }
  [[nodiscard]] bool expired(std::chrono::system_clock::time_point now) const {
    const auto expire = list.transfer->expire ? *list.transfer->expire : seconds(zone ? zone->soa.expire : 0);
    return fetched && expire.count() > 0 && *fetched + expire < now;
  }
};

namespace {

// One round: transfer, store, log; true when the stored zone changed.
bool adopt(ZoneFollower::Follow& f, transfer::TransferResult& r) {
  const auto& name = f.list.name;
  const auto& zone = f.list.transfer->zone;
  const auto now = std::chrono::system_clock::now();
  if (r.outcome == transfer::Outcome::failed) {
    core::log::warn("list ", name, ": transfer of ", zone, " failed: ", r.error, "; ",
                    f.zone ? "serving the last good zone (serial " + std::to_string(f.zone->soa.serial) + ")" : std::string("no zone yet"));
    if (f.expired(now)) core::log::error("list ", name, ": zone ", zone, " expired (no successful transfer within expire)");
    return false;
  }
  std::string error;
  if (r.outcome == transfer::Outcome::up_to_date) {
    f.fetched = now;  // checked: expire counts from here
    if (f.zone && !transfer::store_zone_meta(f.path, *f.zone, now, error)) core::log::warn("list ", name, ": ", error);
    core::log::debug("list ", name, ": zone ", zone, " up to date (serial ", f.zone ? f.zone->soa.serial : 0, ")");
    return false;
  }
  if (!transfer::store_zone(f.path, *r.zone, now, error)) {
    core::log::error("list ", name, ": ", error, "; the new zone is not served");
    return false;
  }
  core::log::info("list ", name, ": zone ", zone, " serial ", r.zone->soa.serial, " by ", outcome_word(r.outcome), " from ",
                  r.primary, " (", r.zone->records.size(), " records, ", r.messages, " messages, ", r.took.count(), " ms)");
  f.zone = std::move(r.zone);
  f.fetched = now;
  return true;
}

asio::awaitable<void> follow_loop(std::shared_ptr<ZoneFollower::Follow> f, std::function<void()> changed) {
  while (!f->stopped) {
    f->running = true;
    f->notified = false;
    transfer::TransferResult r = co_await transfer::transfer_zone(*f->list.transfer, f->list.max_bytes, f->zone);
    f->running = false;
    if (f->stopped) break;
    const bool ok = r.outcome != transfer::Outcome::failed;
    if (adopt(*f, r) || (!ok && f->expired(std::chrono::system_clock::now()))) changed();
    if (f->notified) continue;
    f->timer.expires_after(ok ? f->refresh() : f->retry());
    boost::system::error_code ec;
    co_await f->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));  // a NOTIFY cancels it
  }
}

}  // namespace

ZoneFollower::ZoneFollower(asio::io_context& control, ListRefresher& refresher)
    : control_(control), refresher_(refresher), thread_([this] { io_.run(); }) {}

ZoneFollower::~ZoneFollower() {
  work_.reset();
  io_.stop();  // a transfer in flight is abandoned; its stored copy is whole or untouched
  thread_.join();
}

void ZoneFollower::use(const std::shared_ptr<const config::Config>& cfg) {
  asio::post(io_, [this, cfg] {
    std::lock_guard lock(mutex_);
    std::map<std::string, std::shared_ptr<Follow>> next;
    for (const config::List& l : cfg->lists) {
      if (!l.transfer) continue;
      const std::string path = blocklists::list_content_path(*cfg, l);
      auto old = follows_.find(l.transfer->zone);
      if (old != follows_.end() && old->second->list == l && old->second->path == path) {
        next.emplace(l.transfer->zone, old->second);  // same settings: keep its loop and timers
        follows_.erase(old);
        continue;
      }
      auto f = std::make_shared<Follow>(io_, l, path);
      if (auto stored = transfer::load_stored_zone(path)) {
        f->zone = std::move(stored->zone);  // IXFR from the last good serial
        f->fetched = stored->fetched;
      }
      next.emplace(l.transfer->zone, f);
      asio::co_spawn(io_, follow_loop(f, [this] { asio::post(control_, [this] { refresher_.rebuild_now(); }); }),
                     asio::detached);
    }
    for (auto& [zone, f] : follows_) {  // lists removed or changed by the reload
      f->stopped = true;
      f->timer.cancel();
    }
    follows_ = std::move(next);
  });
}

NotifyVerdict ZoneFollower::notify(const std::string& zone, const config::IpAddress& peer, const std::string& signed_by) {
  std::shared_ptr<Follow> f;
  {
    std::lock_guard lock(mutex_);
    auto it = follows_.find(zone);
    if (it == follows_.end()) return NotifyVerdict::unknown_zone;
    f = it->second;
  }
  const config::Transfer& t = *f->list.transfer;
  // RFC 1996: only the zone's primaries (or the configured senders) may trigger a check.
  const bool from_primary = std::any_of(t.primaries.begin(), t.primaries.end(), [&](const config::Endpoint& p) { return p.address == peer; });
  const bool allowed = t.allow_notify.empty() ? from_primary
                                              : std::any_of(t.allow_notify.begin(), t.allow_notify.end(),
                                                            [&](const config::IpPrefix& p) { return p.contains(peer); });
  if (!allowed || (t.tsig && signed_by != t.tsig->name)) return NotifyVerdict::refused;
  asio::post(io_, [f] {
    f->notified = true;
    if (!f->running) f->timer.cancel();  // the loop checks at once
  });
  return NotifyVerdict::accepted;
}

std::optional<config::TsigKey> ZoneFollower::notify_key(const std::string& zone) const {
  std::lock_guard lock(mutex_);
  auto it = follows_.find(zone);
  if (it == follows_.end()) return std::nullopt;
  return it->second->list.transfer->tsig;
}

std::size_t ZoneFollower::on_notify(std::span<const std::uint8_t> wire, const config::IpAddress& peer,
                                    std::span<std::uint8_t> out) noexcept {
  try {
    transfer::NotifyPolicy policy{
        [this](const std::string& zone) { return notify_key(zone); },
        [&](const std::string& zone, const std::string& signed_by) { return notify(zone, peer, signed_by) == NotifyVerdict::accepted; }};
    const transfer::NotifyAnswer a = transfer::answer_notify(wire, out, policy, std::chrono::system_clock::now());
    // The sender's address is not logged: anyone may send a NOTIFY, a refused one included.
    if (a.accepted) core::log::info("NOTIFY for ", a.zone, ": checking the zone now");
    else if (a.size > 0) core::log::warn("NOTIFY for ", a.zone, " refused: ", a.why);
    return a.size;
  } catch (const std::exception& e) {
    core::log::error("NOTIFY: ", e.what());
    return 0;
  }
}

}  // namespace sprout::control
