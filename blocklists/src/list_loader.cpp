// List sources (file, http with last-good copy, builtin) into pieces, reused while their
// identity holds (see list_sources.hpp); load_lists on top of the catalog.
#include "sprout/blocklists/list_loader.hpp"

#include "list_sources.hpp"
#include "sprout/blocklists/builtin_lists.hpp"
#include "sprout/blocklists/bundled_lists.hpp"
#include "sprout/blocklists/http_fetch.hpp"
#include "sprout/blocklists/line_reader.hpp"
#include "sprout/blocklists/normalize.hpp"
#include "sprout/blocklists/list_patch.hpp"
#include "sprout/blocklists/zone_copy.hpp"
#include "sprout/config/config.hpp"
#include "sprout/config/list_file_stem.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <span>
#include <fstream>
#include <system_error>

namespace sprout::blocklists {
namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

namespace {

struct Meta {  // stored beside a last-good copy
  std::string etag;
  std::string last_modified;
  std::optional<Clock::time_point> fetched;
  std::string bundled;  // the copy is the bundled snapshot of this date, not a download
  std::optional<std::chrono::seconds> expire;  // a transferred zone: its SOA expire
};

Meta read_meta(const std::string& path) {
  Meta m;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    const std::string key = line.substr(0, tab), value = line.substr(tab + 1);
    if (key == "etag") m.etag = value;
    if (key == "last-modified") m.last_modified = value;
    if (key == "bundled" && bundled_date(value)) m.bundled = value;
    long long expire = 0;
    if (key == "expire" && std::from_chars(value.data(), value.data() + value.size(), expire).ec == std::errc{})
      m.expire = std::chrono::seconds(expire);
    long long secs = 0;  // a damaged meta file must not throw: from_chars, not stoll
    if (key == "fetched" && std::from_chars(value.data(), value.data() + value.size(), secs).ec == std::errc{} &&
        secs > 0) {
      m.fetched = Clock::time_point(std::chrono::seconds(secs));
    }
  }
  return m;
}

bool write_meta(const std::string& path, const Meta& m) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    const auto secs = m.fetched ? std::chrono::duration_cast<std::chrono::seconds>(
                                      m.fetched->time_since_epoch()).count() : 0;
    out << "etag\t" << m.etag << "\nlast-modified\t" << m.last_modified << "\nfetched\t" << secs << "\n";
    if (!m.bundled.empty()) out << "bundled\t" << m.bundled << "\n";
    if (!out) return false;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  return !ec;
}

// A local file modified this close to when it is read may change again within the same
// timestamp tick (1 s on some filesystems, 2 s on FAT) without its identity changing: such
// a piece is not reused, so the next update reads the file again (what git calls racy).
constexpr std::int64_t kRacyNs = 2'000'000'000;

std::int64_t to_ns(const timespec& t) { return std::int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec; }

Clock::time_point from_ns(std::int64_t ns) {
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns)));
}

// The list settings that decide its entries (the content part is filled by read_identity).
ListIdentity settings_identity(const config::List& list) {
  ListIdentity id;
  id.source = list.source;
  id.format = from_config(list.format);
  id.allow = list.allow;
  id.max_bytes = list.max_bytes;
  return id;
}

// Adds what `path` is now (before it is read, so a change while reading shows next time).
bool read_identity(ListIdentity& id, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  id.path = path;
  id.device = st.st_dev;
  id.inode = st.st_ino;
  id.size = static_cast<std::uint64_t>(st.st_size);
  id.mtime_ns = to_ns(st.st_mtim);
  id.ctime_ns = to_ns(st.st_ctim);
  return true;
}

// Only mtime: a later write moves it past any recent value, while ctime (which no tool can
// set back) would make every freshly copied file racy; ctime stays in the identity.
bool racy(const ListIdentity& id) {
  const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               Clock::now().time_since_epoch()).count();
  return id.mtime_ns > now - kRacyNs;
}

// Each rule into `builder` as a piece holds it (see add_entries).
RuleSink entry_sink(IndexBuilder& builder, bool allowlist) {
  return [&builder, allowlist](std::string_view name, const Rule& rule, std::size_t) {
    Rule effective = rule;
    if (allowlist) effective.allow = true;  // an allowlist's entries all allow
    builder.add(name, effective, CategorySet{1}, ListId{0});
  };
}

struct Parsed {
  DomainIndex table;
  ParseStats stats;
  std::string error;  // empty: usable
};

// The table built unless the parse says the content is not usable.
void finish(Parsed& p, IndexBuilder& builder) {
  if (!p.stats.read_error.empty()) {
    p.error = p.stats.read_error;
  } else if (p.stats.entries == 0 && p.stats.invalid + p.stats.unsupported > 0) {
    // e.g. an HTML error page served with 200: do not replace a good list with nothing
    p.error = "no usable entries (" + std::to_string(p.stats.invalid) + " invalid, " +
              std::to_string(p.stats.unsupported) + " unsupported lines)";
  } else {
    p.table = builder.build(BloomFilter::skip);
  }
}

// Parses a list into a table of canonical attributes (category bit 0, ListId 0; the
// catalog maps them per list), without a filter of its own.
Parsed parse_content(LineReader& reader, Format format, const std::string& label, bool allowlist,
                     std::uint64_t seed) {
  Parsed p;
  IndexBuilder builder(seed);
  if (reader.failed()) {
    p.error = reader.error();
    p.stats.read_error = reader.error();
    return p;
  }
  p.stats = add_entries(builder, reader, format, label, allowlist);
  finish(p, builder);
  return p;
}

PiecePtr make_piece(ListIdentity id, Parsed&& p, bool reusable) {
  // An I/O failure may not recur: only a content verdict is worth remembering.
  reusable = reusable && p.stats.read_error.empty();
  return std::make_shared<const ListPiece>(std::move(id), std::move(p.table), std::move(p.stats),
                                           std::move(p.error), reusable);
}

Parsed parse_file(const std::string& path, const config::List& list, const std::string& label,
                  std::uint64_t seed) {
  LineReader reader = LineReader::open_file(path);
  reader.set_max_bytes(list.max_bytes);  // applies after gzip decompression too
  return parse_content(reader, from_config(list.format), label, list.allow, seed);
}

void take_stats(ListStatus& s, const ParseStats& st) {
  s.format = st.format;
  s.entries = st.entries;
  s.invalid = st.invalid;
  s.unsupported = st.unsupported;
  s.ip_entries = st.ip_entries;
  s.ignored = st.ignored;
  s.first_errors = st.first_errors;
}

// The piece of `path` as it is now: reused when its identity is known, else parsed.
PiecePtr file_piece(ListStatus& s, const config::List& list, const SourceContext& ctx,
                    const std::string& path, const std::string& label, ListIdentity id, bool known) {
  if (known) {
    if (PiecePtr reused = ctx.reuse.find(id)) {
      s.reused = true;
      return reused;
    }
  }
  return make_piece(std::move(id), parse_file(path, list, label, ctx.seed), known);
}

// Serves the last-good copy; `why` is the reason the fresh content is not used.
PiecePtr use_last_good(ListStatus& s, const config::List& list, const SourceContext& ctx,
                       const std::string& good, const Meta& meta, const std::string& why) {
  s.error = why;
  s.state = ListState::failed;
  const auto add_error = [&s](const std::string& e) { s.error += (s.error.empty() ? "" : "; ") + e; };
  ListIdentity id = settings_identity(list);
  id.etag = meta.etag;
  if (!read_identity(id, good)) {
    add_error("no last-good copy");
    return nullptr;
  }
  // Our own copy, only ever replaced whole by rename (a new inode): never racy.
  PiecePtr piece = file_piece(s, list, ctx, good, s.name + " (last-good)", std::move(id), true);
  take_stats(s, piece->stats());
  if (!piece->usable()) {
    add_error("last-good copy unusable: " + piece->error());
    return piece;
  }
  s.state = ListState::stale;
  s.last_refresh = meta.fetched;
  if (!meta.bundled.empty()) {
    s.state = ListState::bundled;
    s.bundled = meta.bundled;
    s.last_refresh = bundled_date(meta.bundled);
  }
  return piece;
}

// Writes `bytes` to `path` whole or not at all (a crash leaves no half copy).
bool write_whole(const std::string& path, std::span<const unsigned char> bytes) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) return false;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  return !ec;
}

// A URL list with no last-good copy yet starts from its bundled snapshot (`bundled: NAME`):
// the copy is stored as it is (gzip; the reader inflates it) and the first successful
// download replaces it like any last-good copy. Offline, it protects from the first query.
bool seed_from_bundled(const config::List& list, const std::string& good, Meta& meta, std::string& error) {
  if (list.bundled.empty()) return false;
  const auto bundled = bundled_list(list.bundled);
  if (!bundled) {
    error = "no bundled list '" + list.bundled + "' in this build (SPROUT_BUNDLED_LISTS=OFF)";
    return false;
  }
  const bool written = write_whole(good, bundled->gzip);
  if (!written) {
    error = "cannot store the bundled copy in " + good;
    return false;
  }
  meta = Meta{};
  meta.bundled = std::string(bundled->date);
  if (!write_meta(good + ".meta", meta)) {
    error = "cannot store " + good + ".meta";
    return false;
  }
  return true;
}

// A 200 response: parse it; if usable it becomes the last-good copy, else the old one serves.
PiecePtr adopt_download(ListStatus& s, const config::List& list, const SourceContext& ctx,
                        const std::string& downloaded, const std::string& good, const Meta& meta,
                        const FetchResult& res) {
  std::error_code ec;
  Parsed parsed = parse_file(downloaded, list, s.source, ctx.seed);
  if (!parsed.error.empty()) {
    fs::remove(downloaded, ec);
    return use_last_good(s, list, ctx, good, meta, "downloaded copy unusable: " + parsed.error);
  }
  fs::rename(downloaded, good, ec);  // the new last-good copy
  take_stats(s, parsed.stats);
  s.state = ListState::ok;
  s.last_refresh = Clock::now();
  ListIdentity id = settings_identity(list);
  id.etag = res.etag;
  if (ec) {  // keep the old validators: they describe the copy still on disk
    s.error = "cannot store last-good copy: " + ec.message();
    fs::remove(downloaded, ec);
    return make_piece(std::move(id), std::move(parsed), false);  // matches no file: never reused
  }
  const bool stored = write_meta(good + ".meta", Meta{res.etag, res.last_modified, s.last_refresh, {}, std::nullopt});
  const bool known = read_identity(id, good);
  return make_piece(std::move(id), std::move(parsed), stored && known);
}

PiecePtr load_url(ListStatus& s, const config::List& list, const SourceContext& ctx) {
  const std::string good = list_content_path(ctx.cfg, list);
  const std::string meta_path = good + ".meta";
  Meta meta = read_meta(meta_path);
  std::error_code ec;
  fs::create_directories(fs::path(good).parent_path(), ec);
  std::string seed_error;
  const bool have_good = fs::exists(good, ec) || seed_from_bundled(list, good, meta, seed_error);
  if (!ctx.options.fetch) {  // fast start: the network comes later, never before the first answer
    if (!have_good) {
      s.error = "not downloaded yet (fetched in the background)" + (seed_error.empty() ? "" : "; " + seed_error);
      return nullptr;
    }
    PiecePtr piece = use_last_good(s, list, ctx, good, meta, "");
    if (s.state == ListState::stale) s.state = ListState::ok;
    return piece;
  }
  FetchRequest req{list.source, good + ".download", have_good ? meta.etag : "",
                   have_good ? meta.last_modified : "", list.max_bytes, ctx.options.connect_timeout,
                   ctx.options.transfer_timeout, {}, false};
  const FetchResult res = http_fetch(req);
  if (res.outcome == FetchOutcome::failed) {
    fs::remove(req.dest_path, ec);
    return use_last_good(s, list, ctx, good, meta, "download failed: " + res.error);
  }
  if (res.outcome == FetchOutcome::not_modified) {
    fs::remove(req.dest_path, ec);
    meta.fetched = Clock::now();
    PiecePtr piece = use_last_good(s, list, ctx, good, meta, "");
    if (s.state == ListState::stale) {
      s.state = ListState::ok;
      write_meta(meta_path, meta);  // same etag: the piece's identity still holds
    }
    return piece;
  }
  return adopt_download(s, list, ctx, req.dest_path, good, meta, res);
}

// The stored copy read (with its journal) and indexed; an old-format or damaged copy gives an
// unusable piece saying so, and the follower transfers the zone again.
Parsed index_zone_copy(const std::string& path, const config::List& list, const std::string& label, std::uint64_t seed) {
  Parsed p;
  std::string error;
  const auto copy = load_zone_copy(path, error);
  if (!copy) {
    p.error = p.stats.read_error = error;
    return p;
  }
  IndexBuilder builder(seed);
  p.stats = parse_zone_copy(*copy, label, entry_sink(builder, list.allow));
  finish(p, builder);
  return p;
}

// A list followed by zone transfer serves the last complete zone the transfer stored (the
// transfer itself runs on the control plane: sprout_transfer). Past `expire` without a
// successful transfer it still serves, as stale, and says so.
PiecePtr load_transferred(ListStatus& s, const config::List& list, const SourceContext& ctx) {
  const std::string good = list_content_path(ctx.cfg, list);
  const Meta meta = read_meta(good + ".meta");
  std::error_code ec;
  if (!fs::exists(good, ec) || !meta.fetched) {
    s.error = "no zone transferred yet (transferred in the background)";
    return nullptr;
  }
  ListIdentity id = stored_identity(list, good);
  PiecePtr piece = ctx.reuse.find(id);
  s.reused = piece != nullptr;
  if (!piece) piece = make_piece(std::move(id), index_zone_copy(good, list, s.name + " (last-good)", ctx.seed), true);
  take_stats(s, piece->stats());
  if (!piece->usable()) {
    s.state = ListState::failed;
    s.error = "last-good copy unusable: " + piece->error();
    return piece;
  }
  s.last_refresh = meta.fetched;
  s.state = ListState::ok;
  const auto expire = list.transfer && list.transfer->expire ? list.transfer->expire : meta.expire;
  if (expire) s.expires = *meta.fetched + *expire;
  if (s.expires && *s.expires < Clock::now()) {
    const bool drop = list.transfer && list.transfer->on_expire == config::OnExpire::drop;
    s.state = drop ? ListState::failed : ListState::stale;
    s.error = "zone expired: no successful transfer for longer than expire (" + std::to_string(expire->count()) + " s); " +
              (drop ? "not served (on_expire: drop)" : "serving the last complete zone");
    if (drop) return nullptr;
  }
  return piece;
}

PiecePtr load_file(ListStatus& s, const config::List& list, const SourceContext& ctx) {
  ListIdentity id = settings_identity(list);
  const bool known = read_identity(id, list.source);
  if (known && id.size > list.max_bytes) {
    s.error = "file larger than max_bytes (" + std::to_string(list.max_bytes) + ")";
    return nullptr;
  }
  const bool stable = known && !racy(id);
  PiecePtr piece = file_piece(s, list, ctx, list.source, list.source, std::move(id), stable);
  take_stats(s, piece->stats());
  if (!piece->usable()) {
    s.error = piece->error();
    return piece;
  }
  s.state = ListState::ok;
  if (known) s.last_refresh = from_ns(piece->identity().mtime_ns);
  return piece;
}

// A list compiled into the binary: always there, never stale, never changes.
PiecePtr load_builtin(ListStatus& s, const config::List& list, const SourceContext& ctx) {
  const auto text = builtin_list(std::string_view(list.source).substr(kBuiltinScheme.size()));
  if (!text) {
    std::string valid;
    for (auto n : builtin_list_names()) valid += (valid.empty() ? "" : ", ") + std::string(kBuiltinScheme) + std::string(n);
    s.error = "no such builtin list (valid: " + valid + ")";
    return nullptr;
  }
  ListIdentity id = settings_identity(list);
  PiecePtr piece = ctx.reuse.find(id);
  s.reused = piece != nullptr;
  if (!piece) {
    LineReader reader = LineReader::from_text(*text);
    piece = make_piece(std::move(id), parse_content(reader, from_config(list.format), list.source, list.allow, ctx.seed), true);
  }
  take_stats(s, piece->stats());
  if (!piece->usable()) {
    s.error = piece->error();
    return piece;
  }
  s.state = ListState::ok;
  s.last_refresh = piece->built_at();
  return piece;
}

// find_line for a stored zone copy: the line of the zone as its copy lists it.
std::optional<std::size_t> find_zone_line(const std::string& path, std::string_view domain) {
  std::string error;
  const auto copy = load_zone_copy(path, error);
  const auto wanted = normalize_domain(domain);
  if (!copy || !wanted) return std::nullopt;
  std::optional<std::size_t> found;
  const RuleSink sink = [&](std::string_view name, const Rule&, std::size_t line) {
    if (!found && name == *wanted) found = line;
  };
  parse_zone_copy(*copy, path, sink);
  return found;
}

}  // namespace

ParseStats add_entries(IndexBuilder& builder, LineReader& reader, Format format, std::string_view label, bool allowlist) {
  return parse_list(reader, format, label, entry_sink(builder, allowlist));
}

ListIdentity stored_identity(const config::List& list, const std::string& path) {
  ListIdentity id = settings_identity(list);
  read_identity(id, path);
  // A transferred zone's IXFRs are appended to its journal: the copy alone does not change.
  ListIdentity journal;
  if (list.transfer && read_identity(journal, path + ".journal"))
    id.etag = "journal " + std::to_string(journal.inode) + " " + std::to_string(journal.size) + " " + std::to_string(journal.mtime_ns);
  return id;
}

void PieceReuse::offer(const PiecePtr& piece) {
  if (piece && piece->reusable()) pieces_.push_back(piece);
}

PiecePtr PieceReuse::find(const ListIdentity& id) const {
  for (const PiecePtr& p : pieces_) {
    if (p->identity() == id) return p;
  }
  return nullptr;
}

PiecePtr load_list(ListStatus& s, const config::List& list, const SourceContext& ctx) {
  if (is_http_url(list.source)) return load_url(s, list, ctx);
  if (list.transfer) return load_transferred(s, list, ctx);
  if (list.source.starts_with(kBuiltinScheme)) return load_builtin(s, list, ctx);
  return load_file(s, list, ctx);
}

std::string_view state_name(ListState s) noexcept {
  switch (s) {
    case ListState::ok: return "ok";
    case ListState::stale: return "stale";
    case ListState::bundled: return "bundled";
    case ListState::failed: break;
  }
  return "failed";
}

std::string list_content_path(const config::Config& cfg, const config::List& list) {
  if (list.transfer) return (fs::path(cfg.state_dir) / "lists" / (config::list_file_stem(list.name) + ".rpz")).string();
  if (!is_http_url(list.source)) return list.source;
  return (fs::path(cfg.state_dir) / "lists" / (config::list_file_stem(list.name) + ".list")).string();
}

std::optional<std::size_t> find_list_line(const config::Config& cfg, const config::List& list, std::string_view domain) {
  const Format format = from_config(list.format);
  if (list.transfer) return find_zone_line(list_content_path(cfg, list), domain);
  if (!list.source.starts_with(kBuiltinScheme)) return find_line(list_content_path(cfg, list), format, domain);
  const auto text = builtin_list(std::string_view(list.source).substr(kBuiltinScheme.size()));
  const auto wanted = normalize_domain(domain);
  if (!text || !wanted) return std::nullopt;
  std::optional<std::size_t> found;
  parse_text(*text, format, [&](std::string_view name, const Rule&, std::size_t line) {
    if (!found && name == *wanted) found = line;
  });
  return found;
}

LoadedLists load_lists(const config::Config& cfg, const LoadOptions& options) {
  LoadedLists out;
  // This catalog is the pieces' only owner: flatten() frees each one once it is merged.
  out.index = ListCatalog::build(cfg, {}, options, out.lists).flatten();
  return out;
}

}  // namespace sprout::blocklists
