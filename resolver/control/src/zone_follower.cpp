// The zone follower: transfer loops, timers from the config or the zone's SOA, NOTIFY.
#include "sprout/control/zone_follower.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <filesystem>

#include "sprout/blocklists/list_loader.hpp"
#include "sprout/blocklists/list_patch.hpp"
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
  std::shared_ptr<const blocklists::ListPiece> patched;  // the last piece patched by an IXFR
  std::uint64_t copy_bytes = 0;  // the stored copy's size: its journal is folded in past a quarter of it

  Follow(asio::io_context& io, config::List l, std::string p) : list(std::move(l)), path(std::move(p)), timer(io) {}

  [[nodiscard]] seconds refresh() const {
    if (list.transfer->refresh) return *list.transfer->refresh;
    return zone ? seconds(std::max<std::uint32_t>(zone->soa.refresh, 1)) : kRetryWithoutZone;
  }
  [[nodiscard]] seconds retry() const {
    if (list.transfer->retry) return *list.transfer->retry;
    return zone && zone->soa.retry > 0 ? seconds(zone->soa.retry) : kRetryWithoutZone;
  }
  // When the zone expires unless refreshed (none: no zone, or no expire).
  [[nodiscard]] std::optional<std::chrono::system_clock::time_point> expires() const {
    const auto expire = list.transfer->expire ? *list.transfer->expire : seconds(zone ? zone->soa.expire : 0);
    if (!fetched || expire.count() <= 0) return std::nullopt;
    return *fetched + expire;
  }
  [[nodiscard]] bool expired(std::chrono::system_clock::time_point now) const {
    const auto e = expires();
    return e && *e < now;
  }
};

namespace {

using PiecePtr = std::shared_ptr<const blocklists::ListPiece>;

struct Adopted {
  bool changed = false;  // the stored zone changed: rebuild the lists
  PiecePtr patched;      // the list's piece patched for it (null: read the copy again)
  std::chrono::milliseconds stored{0}, patching{0};  // for the log line
  bool journalled = false;  // stored as a journal entry (not the whole zone)
};

std::chrono::milliseconds ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t);
}

// The whole zone as the stored copy (its journal dropped).
bool store_whole(ZoneFollower::Follow& f, const transfer::RpzZone& zone, std::chrono::system_clock::time_point now,
                 std::string& error) {
  if (!transfer::store_zone(f.path, zone, now, error)) return false;
  std::error_code ec;
  f.copy_bytes = std::filesystem::file_size(f.path, ec);
  return true;
}

// An IXFR's delta appended to the copy's journal; the journal is folded into the copy once it
// is over a quarter of the copy's size (and over kJournalFloor: a small zone's rewrite is
// cheap, its journal too), so replaying it at start stays cheap.
bool store_ixfr(ZoneFollower::Follow& f, std::uint32_t from, const transfer::ZoneDelta& d,
                std::chrono::system_clock::time_point now, Adopted& out, std::string& error) {
  constexpr std::uint64_t kJournalFloor = 64 * 1024;
  std::uint64_t journal = 0;
  if (!transfer::store_delta(f.path, *f.zone, from, d, now, journal, error)) return false;
  out.journalled = journal <= kJournalFloor || journal * 4 <= f.copy_bytes;
  return out.journalled || store_whole(f, *f.zone, now, error);
}

// An IXFR: the delta applied to our zone in place (no copy of the zone), stored, and the
// served piece patched here, off the control thread, when it was built from the copy being
// replaced. False (zone unchanged) when the copy cannot be stored.
bool apply_ixfr(ZoneFollower::Follow& f, const transfer::ZoneDelta& d, const ListRefresher& refresher,
                std::chrono::system_clock::time_point now, Adopted& out, std::string& error) {
  // The piece of the copy about to be replaced: our last patch when the rebuild that serves it
  // has not published yet (NOTIFYs in quick succession), else the one served.
  const blocklists::ListIdentity now_stored = blocklists::stored_identity(f.list, f.path);
  PiecePtr base = f.patched && f.patched->identity() == now_stored ? f.patched : refresher.served_piece(f.list.name);
  if (base && base->identity() != now_stored) base.reset();
  f.patched.reset();
  const transfer::Soa old_soa = f.zone->soa;
  const std::uint64_t old_bytes = f.zone->wire_bytes;
  const auto start = std::chrono::steady_clock::now();
  transfer::apply_delta(*f.zone, d);
  const bool stored = store_ixfr(f, old_soa.serial, d, now, out, error);
  out.stored = ms_since(start);
  if (!stored) {
    transfer::apply_delta(*f.zone, transfer::ZoneDelta{old_soa, d.added, d.deleted, old_bytes});  // undone
    return false;
  }
  out.changed = true;
  if (!base) return true;
  const blocklists::RpzChange change{f.zone->soa.text, d.deleted, d.added,
                                     [&f](std::string_view owner, std::string& lines) { transfer::lines_of(*f.zone, owner, lines); }};
  const auto patch_start = std::chrono::steady_clock::now();
  out.patched = blocklists::patch_rpz_piece(*base, f.list, change, blocklists::stored_identity(f.list, f.path));
  out.patching = ms_since(patch_start);
  f.patched = out.patched;
  return true;
}

// One round's result: stored, logged; says whether (and how) the lists must be rebuilt.
Adopted adopt(ZoneFollower::Follow& f, transfer::TransferResult& r, ListRefresher& refresher) {
  const auto& name = f.list.name;
  const auto& zone = f.list.transfer->zone;
  const auto now = std::chrono::system_clock::now();
  Adopted out;
  if (r.outcome == transfer::Outcome::failed) {
    core::log::warn("list ", name, ": transfer of ", zone, " failed: ", r.error, "; ",
                    f.zone ? "serving the last good zone (serial " + std::to_string(f.zone->soa.serial) + ")" : std::string("no zone yet"));
    if (f.expired(now)) core::log::error("list ", name, ": zone ", zone, " expired (no successful transfer within expire)");
    return out;
  }
  std::string error;
  if (r.outcome == transfer::Outcome::up_to_date) {
    out.changed = f.expired(now);  // expired until now: the lists say so (or dropped it) until rebuilt
    f.fetched = now;  // checked: expire counts from here
    if (f.zone && !transfer::store_zone_meta(f.path, *f.zone, now, error)) core::log::warn("list ", name, ": ", error);
    refresher.note_checked(name, now, f.expires());
    core::log::debug("list ", name, ": zone ", zone, " up to date (serial ", f.zone ? f.zone->soa.serial : 0, ")");
    return out;
  }
  const auto start = std::chrono::steady_clock::now();
  const bool stored = r.delta && f.zone ? apply_ixfr(f, *r.delta, refresher, now, out, error)
                                        : store_whole(f, *r.zone, now, error);
  if (!r.delta) out.stored = ms_since(start);
  if (!stored) {
    core::log::error("list ", name, ": ", error, "; the new zone is not served");
    return out;
  }
  if (!r.delta) f.zone = std::move(r.zone);
  f.fetched = now;
  out.changed = true;
  const std::string patch = !r.delta       ? std::string()
                           : out.patched ? ", index patched in " + std::to_string(out.patching.count()) + " ms"
                                         : ", index to rebuild";
  core::log::info("list ", name, ": zone ", zone, " serial ", f.zone->soa.serial, " by ", outcome_word(r.outcome), " from ",
                  r.primary, " (", f.zone->records.size(), " records, ", r.messages, " messages, ", r.took.count(),
                  " ms; ", out.journalled ? "journalled" : "stored", " in ", out.stored.count(), " ms", patch, ")");
  return out;
}

// The stored copy, to transfer an IXFR from its serial. Refused (old format, damaged, meta
// disagreeing): said, and the zone is transferred whole. A torn journal tail is dropped by
// storing the zone whole at once (later entries must not follow it).
void load_copy(ZoneFollower::Follow& f) {
  std::string why;
  auto stored = transfer::load_stored_zone(f.path, &why);
  std::error_code ec;
  if (!stored) {
    if (std::filesystem::exists(f.path, ec))
      core::log::warn("list ", f.list.name, ": stored copy ", f.path, " not used: ", why, "; transferring the zone again");
    return;
  }
  f.zone = std::move(stored->zone);
  f.fetched = stored->fetched;
  f.copy_bytes = stored->copy_bytes;
  if (stored->journal_problem.empty()) return;
  core::log::warn("list ", f.list.name, ": ", stored->journal_problem, " in ", f.path, ".journal ignored (serving serial ",
                  f.zone->soa.serial, ")");
  std::string error;
  if (!store_whole(f, *f.zone, *f.fetched, error)) core::log::warn("list ", f.list.name, ": ", error);
}

asio::awaitable<void> follow_loop(std::shared_ptr<ZoneFollower::Follow> f, ListRefresher& refresher,
                                  std::function<void(PiecePtr)> changed) {
  while (!f->stopped) {
    f->running = true;
    f->notified = false;
    // f->zone is changed only by this loop, after the transfer has ended.
    transfer::TransferResult r =
        co_await transfer::transfer_zone(*f->list.transfer, f->list.max_bytes, f->zone ? &*f->zone : nullptr);
    f->running = false;
    if (f->stopped) break;
    const bool ok = r.outcome != transfer::Outcome::failed;
    Adopted a = adopt(*f, r, refresher);
    if (a.changed || (!ok && f->expired(std::chrono::system_clock::now()))) changed(std::move(a.patched));
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
      load_copy(*f);
      next.emplace(l.transfer->zone, f);
      asio::co_spawn(io_,
                     follow_loop(f, refresher_,
                                 [this](PiecePtr patched) {
                                   asio::post(control_, [this, patched] { refresher_.rebuild_now(patched); });
                                 }),
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
