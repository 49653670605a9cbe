// Follows the lists fed by zone transfer (`source: axfr://...`): one loop per zone on the
// follower's own thread transfers it at start, then every refresh (retry after a failure),
// and at once on a NOTIFY from an allowed primary; each new zone is stored as the list's
// last-good copy and the lists are rebuilt (ListRefresher::rebuild_now, off this thread).
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs it

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "sprout/config/config.hpp"
#include "sprout/control/list_refresher.hpp"
#include "sprout/core/driver.hpp"

namespace sprout::control {

enum class NotifyVerdict { accepted, refused, unknown_zone };

class ZoneFollower final : public core::NotifyPort {
 public:
  ZoneFollower(asio::io_context& control, ListRefresher& refresher);
  ~ZoneFollower();
  ZoneFollower(const ZoneFollower&) = delete;
  ZoneFollower& operator=(const ZoneFollower&) = delete;

  // The running config changed (start or reload): follow its axfr lists, drop the others.
  void use(const std::shared_ptr<const config::Config>& cfg);
  // A NOTIFY (RFC 1996) for `zone` from `peer`, whose TSIG (if any) was checked by the caller
  // (`signed_by`: the key name, empty unsigned). Accepted: the zone is checked at once.
  NotifyVerdict notify(const std::string& zone, const config::IpAddress& peer, const std::string& signed_by);
  // The TSIG key NOTIFYs for `zone` must carry (nullopt: none configured or unknown zone).
  std::optional<config::TsigKey> notify_key(const std::string& zone) const;
  // core::NotifyPort, called on worker threads: reads, checks and answers a NOTIFY.
  std::size_t on_notify(std::span<const std::uint8_t> wire, const config::IpAddress& peer,
                        std::span<std::uint8_t> out) noexcept override;

  struct Follow;

 private:
  asio::io_context& control_;
  ListRefresher& refresher_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  mutable std::mutex mutex_;  // follows_ (read by notify() from worker threads)
  std::map<std::string, std::shared_ptr<Follow>> follows_;  // by zone
  std::thread thread_;
};

}  // namespace sprout::control
