// The driver: every step of a query in one place, in the order the pipeline fixes.
#include "sprout/core/driver.hpp"

#include <atomic>
#include <cstring>
#include <exception>

#include "sprout/core/log.hpp"
#include "sprout/core/stages/cache_stages.hpp"
#include "sprout/dns/message_writer.hpp"
#include "sprout/dns/rewrite.hpp"

namespace sprout::core {
namespace {

// A prefetch's answer only feeds the cache: nobody waits for it.
class DiscardResponder final : public Responder {
 public:
  void send(std::span<const std::uint8_t>) override {}
  void drop() override {}
  std::unique_ptr<Responder> detach() override { return std::make_unique<DiscardResponder>(); }
};

// A stage that throws is a bug: it costs one query (SERVFAIL), is logged at most once a
// second so a storm cannot flood the log, and never takes the worker down.
void log_stage_failure(const char* what) noexcept {
  static std::atomic<std::int64_t> last{0};
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::steady_clock::now().time_since_epoch()).count();
  if (last.exchange(now, std::memory_order_relaxed) == now) return;
  try {
    log::error("query failed in a stage, answered SERVFAIL: ", what);
  } catch (...) {
  }
}

std::uint64_t latency_us(const PendingQuery& p) noexcept {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - p.start);
  return static_cast<std::uint64_t>(us.count());
}

void servfail(QueryContext& q) noexcept {
  q.action = Action::servfail;
  q.respond_error(static_cast<std::uint16_t>(dns::Rcode::servfail));
}

}  // namespace

void QueryContext::respond_error(std::uint16_t rcode) noexcept {
  response_size = dns::write_error(view, rcode, scratch);
  source = AnswerSource::synthesized;
}

Driver::Driver(const SnapshotHolder& snapshots, UpstreamPort& upstream, QueryObserver& observer, TimeSource now)
    : snapshots_(snapshots), upstream_(upstream), observer_(observer), limits_(now) {}

void Driver::run(std::span<const std::uint8_t> bytes, const config::IpAddress& peer, Transport transport,
                 Responder& responder, EncryptedOrigin origin) noexcept {
  QueryContext q;
  q.wire = bytes;
  q.client = peer;
  q.transport = transport;
  q.origin = origin;
  q.snapshot = snapshots_.get().get();
  const auto buffer = responder.buffer();
  q.scratch = buffer.empty() ? std::span<std::uint8_t>(sync_scratch_) : buffer;
  q.spare = sync_spare_;
  q.limits = &limits_;
  Verdict v = Verdict::respond;
  try {
    v = start(q);
    if (v == Verdict::next) {
      // Admitted before anything is allocated: a client over its limit costs no more than a hit.
      if (UpstreamSlot slot = admit(q, true)) return forward(q, responder.detach(), true, std::move(slot));
      v = over_limit(q);
    }
  } catch (const std::exception& e) {
    log_stage_failure(e.what());
    if (v == Verdict::next) return responder.drop();  // could not even queue it upstream
    servfail(q);
  }
  if (v == Verdict::drop) {
    observer_.observe(q, 0);
    return responder.drop();
  }
  complete(q, q.response(), v, responder, 0, true);
  if (q.prefetch) refresh(q);  // after the client's answer went out
}

void Driver::refresh(QueryContext& q) noexcept {
  try {
    UpstreamSlot slot = admit(q, false);
    if (!slot) return;  // no room upstream: the entry expires as it would have
    forward(q, std::make_unique<DiscardResponder>(), false, std::move(slot));
  } catch (const std::exception& e) {
    log_stage_failure(e.what());  // the client has its answer; the entry expires as it would
  }
}

Verdict Driver::start(QueryContext& q) const {
  const Pipeline& pipeline = q.snapshot->pipeline;
  if (pipeline.run_ingress(q) == Verdict::drop) {
    q.action = Action::dropped;
    return Verdict::drop;
  }
  // A NOTIFY is no query: before parsing and access control, the zone follower's own sender
  // check (a primary's address, its TSIG) decides and answers.
  constexpr std::uint16_t kOpcodeNotify = 4 << 11;
  if (notify_ != nullptr && q.wire.size() >= 12 && (q.wire[2] & 0x80) == 0 &&
      ((q.wire[2] << 8 | q.wire[3]) & dns::kOpcodeMask) == kOpcodeNotify) {
    q.response_size = notify_->on_notify(q.wire, q.client, q.scratch);
    q.action = q.response_size == 0 ? Action::dropped : Action::allowed;
    return q.response_size == 0 ? Verdict::drop : Verdict::respond;
  }
  // Parsing is not a stage: every later stage needs the view, and a message that is not a
  // usable query gets its answer (or none) here, the same for every transport.
  switch (dns::parse_query(q.wire, q.view)) {
    case dns::ParseStatus::drop_short:
    case dns::ParseStatus::drop_response:
      q.action = Action::dropped;
      return Verdict::drop;
    case dns::ParseStatus::notimp:
      q.action = Action::notimp;
      q.respond_error(static_cast<std::uint16_t>(dns::Rcode::notimp));
      return Verdict::respond;
    case dns::ParseStatus::formerr:
      q.action = Action::formerr;
      q.respond_error(static_cast<std::uint16_t>(dns::Rcode::formerr));
      return Verdict::respond;
    case dns::ParseStatus::badvers:
      q.action = Action::formerr;
      q.respond_error(dns::kRcodeBadVers);
      return Verdict::respond;
    case dns::ParseStatus::ok:
      break;
  }
  const Verdict v = pipeline.run_query(q);
  if (v == Verdict::drop) q.action = Action::dropped;
  return v;
}

void Driver::complete(QueryContext& q, std::span<std::uint8_t> answer, Verdict how, Responder& r,
                      std::uint64_t latency_us, bool counted) noexcept {
  const Pipeline& pipeline = q.snapshot->pipeline;
  try {
    // Answers from upstream or the cache pass the response stages; Sprout's own do not.
    if (how == Verdict::answered && pipeline.run_response(q, answer) == Verdict::drop) {
      servfail(q);
      answer = q.response();
    }
    if (pipeline.run_finalize(q, answer) == Verdict::drop) {
      if (counted) observer_.observe(q, latency_us);
      return r.drop();
    }
  } catch (const std::exception& e) {
    log_stage_failure(e.what());
    servfail(q);
    answer = q.response();
  }
  if (counted) observer_.observe(q, latency_us);
  r.send(answer);
}

UpstreamSlot Driver::admit(QueryContext& q, bool counted) noexcept {
  const config::Config& cfg = *q.snapshot->config;
  // A prefetch is Sprout's own query: it counts in the total, never against a client.
  const ClientKey key = client_key(q.client, cfg.rate_limit);
  int slot = -1;
  switch (limits_.upstream().acquire(counted ? &key : nullptr, cfg.upstream_limit, slot)) {
    case UpstreamCounts::Refusal::none: return UpstreamSlot(&limits_.upstream(), slot);
    case UpstreamCounts::Refusal::client: q.guard = Guard::upstream_client; break;
    case UpstreamCounts::Refusal::total: q.guard = Guard::upstream_total; break;
  }
  return {};
}

// Over an upstream limit the client gets at once what a failed upstream would give it
// (RFC 8767 stale answer, else SERVFAIL): the limit is reached when upstream is slow or
// flooded, and SERVFAIL says "not now" where REFUSED would tell the stub to drop us.
Verdict Driver::over_limit(QueryContext& q) {
  if (serve_stale(q)) return Verdict::answered;
  servfail(q);
  return Verdict::respond;
}

void Driver::forward(QueryContext& q, std::unique_ptr<Responder> r, bool counted, UpstreamSlot slot) {
  auto p = std::make_unique<PendingQuery>();
  const std::size_t n = q.wire.size();
  p->bytes.resize(n + std::max<std::size_t>(n, 512) + dns::kMaxNameWire);
  std::memcpy(p->bytes.data(), q.wire.data(), n);
  p->ctx = q;
  p->ctx.wire = p->ctx.view.wire = std::span<const std::uint8_t>(p->bytes.data(), n);
  // decision.matched points into q's name; only blocked answers read it, and those never
  // come from upstream (inspection sets it anew, into the copy's own storage).
  p->ctx.decision.matched = {};
  p->ctx.prefetch = false;
  p->ctx.origin.client_id = {};  // the transport's text; AccessControl has already read it
  p->ctx.scratch = p->ctx.spare = {};  // set when the answer arrives
  const std::size_t size = compose_upstream_query(p->ctx, std::span(p->bytes).subspan(n));
  if (size == 0) throw std::length_error("upstream query does not fit");
  p->upstream_query = std::span<const std::uint8_t>(p->bytes.data() + n, size);
  // The snapshot this query started on, not the newest: asking the cache again could move it
  // to a reload's snapshot and free the old one while q.network still points into it (found
  // by ASan in the e2e list-refresh test).
  p->snapshot = q.snapshot->shared_from_this();
  p->ctx.snapshot = p->snapshot.get();
  p->responder = std::move(r);
  p->driver = this;
  p->start = std::chrono::steady_clock::now();
  p->counted = counted;
  p->slot = std::move(slot);
  upstream_.resolve(std::move(p));
}

bool Driver::upstream_answered(std::unique_ptr<PendingQuery>& p, std::span<std::uint8_t> answer) noexcept {
  QueryContext& q = p->ctx;
  if (!dns::answers_question(answer, q.upstream_name(), q.view.qtype, q.view.qclass)) return false;
  const std::unique_ptr<PendingQuery> done = std::move(p);
  q.source = AnswerSource::upstream;
  q.scratch = async_scratch_;
  q.spare = async_spare_;
  complete(q, answer, Verdict::answered, *done->responder, latency_us(*done), done->counted);
  return true;
}

void Driver::upstream_failed(std::unique_ptr<PendingQuery> p) noexcept {
  QueryContext& q = p->ctx;
  q.scratch = async_scratch_;
  q.spare = async_spare_;
  if (!p->counted) return p->responder->drop();  // a failed prefetch leaves the entry as it was
  // RFC 8767: an expired answer beats SERVFAIL.
  const bool stale = serve_stale(q);
  if (!stale) servfail(q);
  complete(q, q.response(), stale ? Verdict::answered : Verdict::respond, *p->responder, latency_us(*p), true);
}

void Driver::upstream_cancelled(std::unique_ptr<PendingQuery> p) noexcept { p->responder->drop(); }

std::size_t compose_upstream_query(const QueryContext& q, std::span<std::uint8_t> out) noexcept {
  const dns::QueryView& v = q.view;
  if (!q.asked_name.empty()) return dns::write_rewritten_query(v, q.asked_name, out);
  if (v.wire.size() > out.size()) return 0;
  std::size_t size = v.wire.size();
  // A device's MAC, its router's CPE id and its subnet are personal data: they identify the
  // device here and never go upstream, whoever sent them.
  if (v.client_options.present) size = dns::copy_without_client_options(v.wire, v.opt_rdata, v.opt_rdlength, out);
  else std::memcpy(out.data(), v.wire.data(), size);
  if (size != 0 && v.has_edns && v.edns_udp_size > dns::kMaxForwardUdpSize) {
    dns::put16(&out[v.opt_offset + 3], dns::kMaxForwardUdpSize);  // OPT: root, type, class=size
  }
  return size;
}

}  // namespace sprout::core
