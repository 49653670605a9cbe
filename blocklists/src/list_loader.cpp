// load_lists: sources (file, http with last-good copy) into one index (see list_loader.hpp).
#include "sprout/blocklists/list_loader.hpp"

#include "sprout/blocklists/builtin_lists.hpp"

#include "sprout/blocklists/http_fetch.hpp"
#include "sprout/blocklists/line_reader.hpp"
#include "sprout/config/config.hpp"

#include <charconv>
#include <filesystem>
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
    if (!out) return false;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  return !ec;
}

// A list name made safe as a file name.
std::string file_stem(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    out += ok ? c : '_';
  }
  if (out.empty() || out[0] == '.') out.insert(0, "list");
  return out;
}

struct ParseResult {
  ParseStats stats;
  bool usable = false;
  std::string error;
};

struct ListTarget {  // where a list's rules go
  IndexBuilder& builder;
  CategorySet category;
  ListId id;
  bool allowlist;
  std::size_t max_bytes;
};

// Parses one file into the builder; on failure its entries are rolled back.
ParseResult parse_into(const ListTarget& t, const std::string& path, Format format,
                       const std::string& label) {
  ParseResult r;
  const std::size_t mark = t.builder.mark();
  LineReader reader = LineReader::open_file(path);
  reader.set_max_bytes(t.max_bytes);  // applies after gzip decompression too
  if (reader.failed()) {
    r.error = reader.error();
    return r;
  }
  r.stats = parse_list(reader, format, label, [&](std::string_view name, const Rule& rule, std::size_t) {
    Rule effective = rule;
    if (t.allowlist) effective.allow = true;  // an allowlist's entries all allow
    t.builder.add(name, effective, t.category, t.id);
  });
  if (!r.stats.read_error.empty()) {
    r.error = r.stats.read_error;
  } else if (r.stats.entries == 0 && r.stats.invalid + r.stats.unsupported > 0) {
    // e.g. an HTML error page served with 200: do not replace a good list with nothing
    r.error = "no usable entries (" + std::to_string(r.stats.invalid) + " invalid, " +
              std::to_string(r.stats.unsupported) + " unsupported lines)";
  } else {
    r.usable = true;
    return r;
  }
  t.builder.rollback(mark);
  return r;
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

// Serves the last-good copy; `why` is the reason the fresh content is not used.
void use_last_good(ListStatus& s, const ListTarget& t, const std::string& good, const Meta& meta,
                   Format format, const std::string& why) {
  s.error = why;
  s.state = ListState::failed;
  const auto add_error = [&s](const std::string& e) { s.error += (s.error.empty() ? "" : "; ") + e; };
  std::error_code ec;
  if (!fs::exists(good, ec)) {
    add_error("no last-good copy");
    return;
  }
  const ParseResult r = parse_into(t, good, format, s.name + " (last-good)");
  take_stats(s, r.stats);
  if (!r.usable) {
    add_error("last-good copy unusable: " + r.error);
    return;
  }
  s.state = ListState::stale;
  s.last_refresh = meta.fetched;
}

// A 200 response: parse it; if usable it becomes the last-good copy, else the old one serves.
void adopt_download(ListStatus& s, const ListTarget& t, const std::string& downloaded,
                    const std::string& good, const Meta& meta, Format format, const FetchResult& res) {
  std::error_code ec;
  const ParseResult r = parse_into(t, downloaded, format, s.source);
  if (!r.usable) {
    fs::remove(downloaded, ec);
    use_last_good(s, t, good, meta, format, "downloaded copy unusable: " + r.error);
    return;
  }
  fs::rename(downloaded, good, ec);  // the new last-good copy
  take_stats(s, r.stats);
  s.state = ListState::ok;
  s.last_refresh = Clock::now();
  if (ec) {  // keep the old validators: they describe the copy still on disk
    s.error = "cannot store last-good copy: " + ec.message();
    fs::remove(downloaded, ec);
    return;
  }
  write_meta(good + ".meta", Meta{res.etag, res.last_modified, s.last_refresh});
}

void load_url(ListStatus& s, const ListTarget& t, const config::Config& cfg, const config::List& list,
              const LoadOptions& opt) {
  const std::string good = list_content_path(cfg, list);
  const std::string meta_path = good + ".meta";
  Meta meta = read_meta(meta_path);
  std::error_code ec;
  fs::create_directories(fs::path(good).parent_path(), ec);
  const Format format = from_config(list.format);
  const bool have_good = fs::exists(good, ec);
  if (!opt.fetch) {  // fast start: the network comes later, never before the first answer
    if (!have_good) {
      s.error = "not downloaded yet (fetched in the background)";
      return;
    }
    use_last_good(s, t, good, meta, format, "");
    if (s.state == ListState::stale) s.state = ListState::ok;
    return;
  }
  FetchRequest req{list.source, good + ".download", have_good ? meta.etag : "",
                   have_good ? meta.last_modified : "", list.max_bytes, opt.connect_timeout,
                   opt.transfer_timeout};
  const FetchResult res = http_fetch(req);
  if (res.outcome == FetchOutcome::failed) {
    fs::remove(req.dest_path, ec);
    use_last_good(s, t, good, meta, format, "download failed: " + res.error);
    return;
  }
  if (res.outcome == FetchOutcome::not_modified) {
    fs::remove(req.dest_path, ec);
    meta.fetched = Clock::now();
    use_last_good(s, t, good, meta, format, "");
    if (s.state == ListState::stale) {
      s.state = ListState::ok;
      write_meta(meta_path, meta);
    }
    return;
  }
  adopt_download(s, t, req.dest_path, good, meta, format, res);
}

void load_file(ListStatus& s, const ListTarget& t, const config::List& list) {
  std::error_code ec;
  const auto size = fs::file_size(list.source, ec);
  if (!ec && size > list.max_bytes) {
    s.error = "file larger than max_bytes (" + std::to_string(list.max_bytes) + ")";
    return;
  }
  const ParseResult r = parse_into(t, list.source, from_config(list.format), list.source);
  take_stats(s, r.stats);
  if (!r.usable) {
    s.error = r.error;
    return;
  }
  s.state = ListState::ok;
  const auto mtime = fs::last_write_time(list.source, ec);
  if (!ec) {  // file_clock -> system_clock (no clock_cast in libstdc++ 12)
    s.last_refresh = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        mtime - fs::file_time_type::clock::now());
  }
}

// A list compiled into the binary: always there, never stale.
void load_builtin(ListStatus& s, const ListTarget& t, const config::List& list) {
  const auto text = builtin_list(std::string_view(list.source).substr(kBuiltinScheme.size()));
  if (!text) {
    std::string valid;
    for (auto n : builtin_list_names()) valid += (valid.empty() ? "" : ", ") + std::string(kBuiltinScheme) + std::string(n);
    s.error = "no such builtin list (valid: " + valid + ")";
    return;
  }
  const std::size_t mark = t.builder.mark();
  LineReader reader = LineReader::from_text(*text);
  const ParseStats st = parse_list(reader, from_config(list.format), list.source, [&](std::string_view name, const Rule& rule, std::size_t) {
    Rule effective = rule;
    if (t.allowlist) effective.allow = true;
    t.builder.add(name, effective, t.category, t.id);
  });
  take_stats(s, st);
  if (!st.read_error.empty()) {
    t.builder.rollback(mark);
    s.error = st.read_error;
    return;
  }
  s.state = ListState::ok;
  s.last_refresh = Clock::now();
}

// Position of the list's category in config.categories (its bit), or an error.
std::optional<std::size_t> category_bit(const config::Config& cfg, const std::string& name) {
  for (std::size_t i = 0; i < cfg.categories.size() && i < kMaxCategories; ++i) {
    if (cfg.categories[i].name == name) return i;
  }
  return std::nullopt;
}

}  // namespace

std::string_view state_name(ListState s) noexcept {
  switch (s) {
    case ListState::ok: return "ok";
    case ListState::stale: return "stale";
    case ListState::failed: break;
  }
  return "failed";
}

std::string list_content_path(const config::Config& cfg, const config::List& list) {
  if (!is_http_url(list.source)) return list.source;
  return (fs::path(cfg.state_dir) / "lists" / (file_stem(list.name) + ".list")).string();
}

LoadedLists load_lists(const config::Config& cfg, const LoadOptions& options) {
  LoadedLists out;
  IndexBuilder builder(options.seed != 0 ? options.seed : IndexBuilder::random_seed());
  for (std::size_t i = 0; i < cfg.lists.size(); ++i) {
    const config::List& list = cfg.lists[i];
    ListStatus& s = out.lists.emplace_back();
    s.name = list.name;
    s.category = list.category;
    s.source = list.source;
    s.allow = list.allow;
    s.format = from_config(list.format);
    const auto bit = category_bit(cfg, list.category);
    if (!bit || i >= kNoList) {
      s.error = !bit ? "unknown category '" + list.category + "' (or beyond the 64th)" : "too many lists";
      continue;
    }
    const ListTarget target{builder, CategorySet{1} << *bit, static_cast<ListId>(i), list.allow,
                            list.max_bytes};
    if (is_http_url(list.source)) {
      load_url(s, target, cfg, list, options);
    } else if (list.source.starts_with(kBuiltinScheme)) {
      load_builtin(s, target, list);
    } else {
      load_file(s, target, list);
    }
  }
  out.index = builder.build();
  return out;
}

}  // namespace sprout::blocklists
