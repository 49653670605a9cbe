// bench_index: memory, build time and lookup latency of DomainIndex with 1,000,000
// synthetic names; then a default-like ListCatalog (4 big lists holding the same number of
// names + a 60-line list) against today's one merged index: lookup, reload time and peak
// RSS when only the small list changed. Usage: bench_index [count] [all|index|catalog]
// (build with -DSPROUT_BENCH=ON, Release).
#include "sprout/blocklists/domain_index.hpp"
#include "sprout/blocklists/line_reader.hpp"
#include "sprout/blocklists/list_catalog.hpp"
#include "sprout/blocklists/list_format.hpp"
#include "sprout/blocklists/list_loader.hpp"
#include "sprout/config/config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <thread>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace bl = sprout::blocklists;
using Clock = std::chrono::steady_clock;

namespace {

struct Rng {  // splitmix64: deterministic names on every run
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};

constexpr std::array<const char*, 48> kSyllables = {
    "ka", "lo", "mi", "net", "web", "shop", "bet", "play", "cdn", "app", "tube", "star",
    "vn", "hot", "sex", "game", "win", "news", "tech", "club", "live", "max", "pro", "zone",
    "cash", "ads", "trk", "pix", "go", "my", "best", "top", "sun", "moon", "ly", "ro",
    "xi", "an", "dat", "hoa", "phim", "viet", "sai", "gon", "ha", "noi", "lab", "box"};
constexpr std::array<const char*, 12> kTlds = {"com", "net", "org", "vn", "info", "xyz",
                                              "top", "ru", "de", "io", "club", "com.vn"};

void append_label(Rng& r, std::string& out) {
  const int parts = 2 + static_cast<int>(r.next() % 3);
  for (int i = 0; i < parts; ++i) out += kSyllables[r.next() % kSyllables.size()];
  if (r.next() % 3 == 0) out += std::to_string(r.next() % 1000);
}

// Registrable label number `i`: 4 syllables from a bijection of i (unique up to 48^4).
void unique_label(std::uint64_t i, Rng& r, std::string& out) {
  constexpr std::uint64_t kSpace = 48ull * 48 * 48 * 48;
  std::uint64_t x = (i * 2654435761ull) % kSpace;  // odd, not a multiple of 3: bijective
  for (int k = 0; k < 4; ++k, x /= 48) out += kSyllables[x % 48];
  if (r.next() % 3 == 0) out += std::to_string(r.next() % 100);
}

// Realistic shapes: 60% registrable names, 30% one subdomain, 10% two; all distinct.
void synth_name(std::uint64_t i, Rng& r, std::string& out) {
  out.clear();
  const unsigned depth = static_cast<unsigned>(r.next() % 10);
  const int subs = depth < 6 ? 0 : depth < 9 ? 1 : 2;
  for (int i = 0; i < subs; ++i) {
    append_label(r, out);
    out += '.';
  }
  unique_label(i, r, out);
  out += '.';
  out += kTlds[r.next() % kTlds.size()];
}

long resident_bytes() {
  long pages_total = 0, pages_res = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages_total, &pages_res) != 2) pages_res = 0;
    std::fclose(f);
  }
  return pages_res * sysconf(_SC_PAGESIZE);
}

long proc_field_kb(const char* file, const char* field) {
  std::ifstream f(file);
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::strlen(field)) * 1024;
  }
  return 0;
}

long peak_resident_bytes() { return proc_field_kb("/proc/self/status", "VmHWM:"); }

void reset_peak_resident() {  // Linux >= 4.0: "5" resets VmHWM to the current RSS
  std::ofstream("/proc/self/clear_refs") << "5";
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// CPU time of this thread: the machine may be shared, so wall time alone can mislead.
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

bl::DomainIndex build_direct(std::size_t count, double& ms) {
  Rng r{42};
  std::string name;
  const auto t0 = Clock::now();
  const double c0 = cpu_ms();
  bl::IndexBuilder b(12345);
  for (std::size_t i = 0; i < count; ++i) {
    synth_name(i, r, name);
    b.add(name, bl::Rule{}, bl::CategorySet{1} << (i % 8), static_cast<bl::ListId>(i % 8));
  }
  bl::DomainIndex idx = b.build();
  ms = cpu_ms() - c0;
  std::printf("build wall time         %.1f ms\n", ms_since(t0));
  return idx;
}

// Query names stored back to back in one buffer, so the benchmark measures the index and
// not scattered std::string heap blocks.
struct Queries {
  std::string arena;
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  void add(const std::string& s) {
    spans.emplace_back(arena.size(), s.size());
    arena += s;
  }
};

// Queries of 5 labels that miss at every level (the TLD "zz" is never listed).
Queries miss_queries(std::size_t n) {
  Rng r{7};
  Queries q;
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s = "www.";
    append_label(r, s);
    s += ".static.";
    append_label(r, s);
    s += ".zz";
    q.add(s);
  }
  return q;
}

template <class Index>
double ns_per_lookup(const Index& idx, const Queries& q, int rounds, std::size_t& blocked) {
  blocked = 0;
  const std::string_view arena = q.arena;
  const double c0 = cpu_ms();
  for (int round = 0; round < rounds; ++round) {
    for (const auto& [off, len] : q.spans) {
      blocked += idx.lookup(arena.substr(off, len), ~bl::CategorySet{0}).verdict == bl::Verdict::block;
    }
  }
  return (cpu_ms() - c0) * 1e6 / (static_cast<double>(q.spans.size()) * rounds);
}

// The whole path a list takes: a 1M-line domains file parsed, normalized and indexed.
void bench_parse_path(std::size_t count) {
  const std::string path = "/tmp/sprout_bench_index_list.txt";
  {
    std::ofstream out(path);
    Rng r{42};
    std::string name;
    for (std::size_t i = 0; i < count; ++i) {
      synth_name(i, r, name);
      out << name << '\n';
    }
  }
  const auto t0 = Clock::now();
  const double c0 = cpu_ms();
  bl::IndexBuilder b(12345);
  auto reader = bl::LineReader::open_file(path);
  const auto st = bl::parse_list(reader, bl::Format::auto_detect, path,
                                 [&](std::string_view n, const bl::Rule& rule, std::size_t) { b.add(n, rule, 1, 0); });
  const bl::DomainIndex idx = b.build();
  std::printf("file -> index           %.1f ms CPU, %.1f ms wall (%zu lines, %zu entries, %zu names)\n",
              cpu_ms() - c0, ms_since(t0), st.lines, st.entries, idx.size());
  std::remove(path.c_str());
}

// ---- A default-like catalog against today's one merged index ----

// Shares of the big lists (porn, malware, phishing, gambling-like); the names of all four
// add up to `count`, every one distinct. Plus one 60-line list (the builtin bypass size).
constexpr std::array<double, 4> kBigShares = {0.4, 0.3, 0.2, 0.1};
constexpr std::size_t kSmallLines = 60;

struct CatalogSetup {
  std::string dir;
  sprout::config::Config cfg;
  Queries hits;  // subdomains of names spread over every big list
};

void set_mtime_past(const std::string& path) {  // lists are not edited while being read
  timespec times[2] = {{0, UTIME_OMIT}, {time(nullptr) - 3600, 0}};
  utimensat(AT_FDCWD, path.c_str(), times, 0);
}

void write_small_list(const std::string& path, int version) {
  std::ofstream out(path, std::ios::trunc);
  out << "# small list, version " << version << '\n';
  for (std::size_t i = 0; i < kSmallLines; ++i) out << "proxy" << i << "-v" << version << ".example\n";
}

sprout::config::List list_of(const std::string& name, const std::string& category, const std::string& path) {
  sprout::config::List l;
  l.name = name;
  l.category = category;
  l.source = path;
  l.format = sprout::config::ListFormat::domains;
  return l;
}

CatalogSetup write_catalog_files(std::size_t count) {
  CatalogSetup s;
  char tmpl[] = "/tmp/sprout_bench_catalogXXXXXX";
  s.dir = mkdtemp(tmpl);
  s.cfg.state_dir = s.dir + "/state";
  const char* cats[] = {"adult", "malware", "phishing", "gambling", "bypass"};
  for (const char* c : cats) s.cfg.categories.push_back({c, ""});
  std::size_t next = 0;
  std::string name;
  for (std::size_t l = 0; l < kBigShares.size(); ++l) {
    const std::size_t n = l + 1 == kBigShares.size() ? count - next : static_cast<std::size_t>(count * kBigShares[l]);
    const std::string path = s.dir + "/big" + std::to_string(l) + ".txt";
    std::ofstream out(path);
    Rng r{42 + l};
    for (std::size_t i = next; i < next + n; ++i) {
      synth_name(i, r, name);
      out << name << '\n';
      if (i % 5 == 0) s.hits.add("a1.b2." + name);
    }
    out.close();
    set_mtime_past(path);
    s.cfg.lists.push_back(list_of("big" + std::to_string(l), cats[l], path));
    next += n;
  }
  write_small_list(s.dir + "/small.txt", 0);
  s.cfg.lists.push_back(list_of("small", "bypass", s.dir + "/small.txt"));
  return s;
}

struct Reload {
  double cpu = 0, wall = 0;
  long peak_above = 0;  // VmHWM above the RSS before the reload
  std::size_t reused = 0;
};

// One update against the current catalog, which it then replaces (as a reload would).
Reload timed_reload(const CatalogSetup& s, std::shared_ptr<const bl::ListCatalog>& current, const bl::LoadOptions& o) {
  const long before = resident_bytes();
  reset_peak_resident();
  Reload r;
  const auto t0 = Clock::now();
  const double c0 = cpu_ms();
  bl::CatalogUpdate u = bl::ListCatalog::update(s.cfg, current.get(), o);
  r.cpu = cpu_ms() - c0;
  r.wall = ms_since(t0);
  r.peak_above = peak_resident_bytes() - before;
  for (const auto& st : u.lists) r.reused += st.reused;
  current = std::move(u.catalog);
  return r;
}

void report_reloads(const char* what, std::vector<Reload> runs, long steady) {
  std::sort(runs.begin(), runs.end(), [](const Reload& a, const Reload& b) { return a.wall < b.wall; });
  long peak = 0;
  for (const auto& r : runs) peak = std::max(peak, r.peak_above);
  std::printf("%-31s wall min %.1f / median %.1f ms, CPU median %.1f ms, %zu lists reused; "
              "peak RSS +%ld KiB (%.3fx steady)\n",
              what, runs.front().wall, runs[runs.size() / 2].wall, runs[runs.size() / 2].cpu, runs.front().reused,
              peak / 1024, static_cast<double>(steady + peak) / steady);
}

void bench_reloads(CatalogSetup& s, std::shared_ptr<const bl::ListCatalog>& cat, const bl::LoadOptions& o, long rss0) {
  const long steady = resident_bytes();
  std::printf("steady RSS (process)    %ld KiB, of which the catalog %ld KiB above the start\n", steady / 1024,
              (steady - rss0) / 1024);
  std::vector<Reload> runs;
  for (int v = 1; v <= 9; ++v) {
    write_small_list(s.dir + "/small.txt", v);
    runs.push_back(timed_reload(s, cat, o));
  }
  report_reloads("reload, small list changed", runs, steady);
  runs.clear();
  for (int v = 0; v < 9; ++v) runs.push_back(timed_reload(s, cat, o));
  report_reloads("reload, nothing changed", runs, steady);
  runs.clear();
  for (int v = 0; v < 3; ++v) {  // the smallest big list (10% of the names) gains a line
    std::ofstream(s.cfg.lists[3].source, std::ios::app) << "extra" << v << ".example\n";
    runs.push_back(timed_reload(s, cat, o));
  }
  report_reloads("reload, one big list changed", runs, steady);
}

// Lookups of the same queries, alternating index and catalog so both see the same noise.
void bench_catalog_lookups(const bl::DomainIndex& merged, const bl::ListCatalog& cat, const Queries& misses,
                           const Queries& hits, const char* label) {
  std::size_t b1 = 0, b2 = 0;
  ns_per_lookup(merged, misses, 1, b1);  // warm up
  ns_per_lookup(cat, misses, 1, b2);
  std::vector<double> mm, cm, mh, ch;
  for (int i = 0; i < 11; ++i) {
    mm.push_back(ns_per_lookup(merged, misses, 2, b1));
    cm.push_back(ns_per_lookup(cat, misses, 2, b2));
    mh.push_back(ns_per_lookup(merged, hits, 2, b1));
    ch.push_back(ns_per_lookup(cat, hits, 2, b2));
  }
  if (b1 != b2) std::printf("MISMATCH: merged blocked %zu, catalog blocked %zu\n", b1, b2);
  for (auto* v : {&mm, &cm, &mh, &ch}) std::sort(v->begin(), v->end());
  std::printf("%s\n", label);
  std::printf("  5-label miss   merged min %.1f / median %.1f ns, catalog min %.1f / median %.1f ns (%+.1f%% median)\n",
              mm.front(), mm[5], cm.front(), cm[5], 100.0 * (cm[5] - mm[5]) / mm[5]);
  std::printf("  subdomain hit  merged min %.1f / median %.1f ns, catalog min %.1f / median %.1f ns (%+.1f%% median)\n",
              mh.front(), mh[5], ch.front(), ch[5], 100.0 * (ch[5] - mh[5]) / mh[5]);
}

void bench_catalog(std::size_t count) {
  std::printf("\ncatalog: 4 big lists (40/30/20/10%% of %zu names) + a %zu-line list, files, fetch off\n", count,
              kSmallLines);
  CatalogSetup s = write_catalog_files(count);
  bl::LoadOptions o;
  o.fetch = false;
  o.seed = 12345;
  const long rss0 = resident_bytes();
  reset_peak_resident();
  auto t0 = Clock::now();
  double c0 = cpu_ms();
  std::shared_ptr<const bl::ListCatalog> cat = bl::ListCatalog::update(s.cfg, nullptr, o).catalog;
  std::printf("catalog cold build      %.1f ms CPU, %.1f ms wall, %zu names, %zu bytes = %.2f bytes/name, "
              "peak RSS +%ld KiB\n", cpu_ms() - c0, ms_since(t0), cat->size(), cat->memory_bytes(),
              static_cast<double>(cat->memory_bytes()) / cat->size(), (peak_resident_bytes() - rss0) / 1024);
  std::printf("huge pages (AnonHugePages) %ld KiB\n", proc_field_kb("/proc/self/smaps_rollup", "AnonHugePages:") / 1024);
  bench_reloads(s, cat, o, rss0);
  const long rss1 = resident_bytes();
  reset_peak_resident();
  t0 = Clock::now();
  c0 = cpu_ms();
  bl::LoadedLists merged = bl::load_lists(s.cfg, o);  // today's shape: every list in one index
  std::printf("merged index (load_lists) %.1f ms CPU, %.1f ms wall, %zu names, %zu bytes = %.2f bytes/name, "
              "peak RSS +%ld KiB\n", cpu_ms() - c0, ms_since(t0), merged.index.size(), merged.index.memory_bytes(),
              static_cast<double>(merged.index.memory_bytes()) / merged.index.size(), (peak_resident_bytes() - rss1) / 1024);
  const Queries misses = miss_queries(200000);
  bench_catalog_lookups(merged.index, *cat, misses, s.hits, "lookup, merged index vs catalog of 5 lists (CPU per lookup)");
  for (int i = 0; i < 8; ++i) {  // many small lists: each one more table probed on a filter hit
    write_small_list(s.dir + "/small" + std::to_string(i) + ".txt", 100 + i);
    s.cfg.lists.push_back(list_of("small" + std::to_string(i), "bypass", s.dir + "/small" + std::to_string(i) + ".txt"));
  }
  cat = bl::ListCatalog::update(s.cfg, cat.get(), o).catalog;
  merged = bl::load_lists(s.cfg, o);
  bench_catalog_lookups(merged.index, *cat, misses, s.hits, "lookup, merged index vs catalog of 4 big + 9 small lists");
  std::filesystem::remove_all(s.dir);
}

void bench_single_index(std::size_t count) {
  std::printf("bench_index: %zu synthetic names\n", count);
  const Queries misses = miss_queries(200000);
  Queries hits;
  {
    Rng r{42};
    std::string name;
    for (std::size_t i = 0; i < 200000 && i < count; ++i) {
      synth_name(i, r, name);
      hits.add("a1.b2." + name);  // subdomain of a listed name: walks up to it
    }
  }
  reset_peak_resident();
  const long rss0 = resident_bytes();
  double build_ms = 0;
  // A sampler thread records the highest RSS seen while the index is being built.
  std::atomic<bool> done{false};
  std::atomic<long> sampled_peak{rss0};
  std::thread sampler([&] {
    while (!done.load()) {
      sampled_peak.store(std::max(sampled_peak.load(), resident_bytes()));
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  });
  bl::DomainIndex idx = build_direct(count, build_ms);
  done.store(true);
  sampler.join();
  const long rss1 = resident_bytes();
  const long peak = peak_resident_bytes();
  std::printf("distinct names          %zu (slots %zu, load %.1f%%, attrs %zu)\n", idx.size(),
              idx.slot_count(), 100.0 * idx.size() / idx.slot_count(), idx.attr_count());
  std::printf("build (hash+sort+place) %.1f ms CPU\n", build_ms);
  std::printf("index memory_bytes      %zu  = %.2f bytes/name\n", idx.memory_bytes(),
              static_cast<double>(idx.memory_bytes()) / idx.size());
  std::printf("RSS delta after build   %ld  = %.2f bytes/name\n", rss1 - rss0,
              static_cast<double>(rss1 - rss0) / idx.size());
  std::printf("peak RSS during build   VmHWM %ld above start (%.2f bytes/name), sampled %ld (%.2f bytes/name)\n",
              peak - rss0, static_cast<double>(peak - rss0) / idx.size(), sampled_peak.load() - rss0,
              static_cast<double>(sampled_peak.load() - rss0) / idx.size());
  std::printf("huge pages (AnonHugePages) %ld\n", proc_field_kb("/proc/self/smaps_rollup", "AnonHugePages:"));
  std::size_t b = 0;
  ns_per_lookup(idx, misses, 1, b);  // warm up
  // Several runs; min and median, since other processes may share the cores.
  auto report = [&](const char* what, const Queries& q) {
    std::vector<double> runs;
    for (int i = 0; i < 7; ++i) runs.push_back(ns_per_lookup(idx, q, 2, b));
    std::sort(runs.begin(), runs.end());
    std::printf("%-23s min %.1f ns, median %.1f ns CPU per lookup (blocked %zu of %zu)\n", what,
                runs.front(), runs[runs.size() / 2], b / 2, q.spans.size());
  };
  report("lookup 5-label miss", misses);
  report("lookup subdomain hit", hits);
  bench_parse_path(count);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const std::string part = argc > 2 ? argv[2] : "all";
  if (part == "all" || part == "index") bench_single_index(count);
  if (part == "all" || part == "catalog") bench_catalog(count);
  return 0;
}
