// The stored copy of a transferred zone and its IXFR journal (see zone_copy.hpp).
//
// Copy, little-endian:  "SPRZONE" '\n' | u32 version | u32 serial | u32 soa size | u32 apex size
//                       | u64 records | u64 packed size | soa | apex | packed records | u32 CRC-32
//                       of everything before it.
// Journal entry:        u32 payload size | u32 CRC-32 of the payload | payload: u32 from | u32 to
//                       | str soa | u32 deleted | str... | u32 added | str...   (str: u32 size, bytes)
#include "sprout/blocklists/zone_copy.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

namespace sprout::blocklists {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kMagic{"SPRZONE\n"};
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kHeader = 8 + 4 * 4 + 8 * 2;

void put32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
void put64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
void put_str(std::string& out, std::string_view s) {
  put32(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}

// Reads little-endian fields off the front of a byte view; false once it runs short.
struct Reader {
  std::string_view in;
  bool ok = true;
  std::uint64_t take(int bytes) {
    if (in.size() < static_cast<std::size_t>(bytes)) ok = false;
    if (!ok) return 0;
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[static_cast<std::size_t>(i)]);
    in.remove_prefix(static_cast<std::size_t>(bytes));
    return v;
  }
  std::string_view str() {
    const auto n = static_cast<std::size_t>(take(4));
    if (in.size() < n) ok = false;
    if (!ok) return {};
    const std::string_view s = in.substr(0, n);
    in.remove_prefix(n);
    return s;
  }
};

std::uint32_t crc_of(std::uint32_t crc, std::string_view bytes) {
  // zlib takes uInt lengths: a packed zone may be larger than one call takes.
  while (!bytes.empty()) {
    const std::size_t n = std::min<std::size_t>(bytes.size(), 1u << 30);
    crc = static_cast<std::uint32_t>(crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(n)));
    bytes.remove_prefix(n);
  }
  return crc;
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// The copy's bytes before the packed records (header, SOA, apex).
std::string copy_head(std::uint32_t serial, std::string_view soa, const ZoneRecords& records, std::uint64_t packed) {
  std::string head(kMagic);
  put32(head, kVersion);
  put32(head, serial);
  put32(head, static_cast<std::uint32_t>(soa.size()));
  put32(head, static_cast<std::uint32_t>(records.apex().size()));
  put64(head, records.size());
  put64(head, packed);
  head.append(soa);
  head.append(records.apex());
  return head;
}

// The whole copy to `fd`, a block at a time (no second copy of the zone in memory).
bool write_copy(int fd, std::uint32_t serial, std::string_view soa, const ZoneRecords& records) {
  std::uint64_t packed = 0;
  records.for_each_packed([&](std::string_view r) { packed += r.size(); });
  std::string block = copy_head(serial, soa, records, packed);
  std::uint32_t crc = 0;
  bool ok = true;
  const auto flush = [&] {
    crc = crc_of(crc, block);
    ok = ok && write_all(fd, block);
    block.clear();
  };
  records.for_each_packed([&](std::string_view r) {
    block.append(r);
    if (block.size() >= (1u << 16)) flush();
  });
  flush();
  put32(block, crc);
  return ok && write_all(fd, block);
}

// Reads exactly `n` bytes; false at the end of the file or on an error.
bool read_exact(std::FILE* f, std::string& out, std::size_t n) {
  out.resize(n);
  return n == 0 || std::fread(out.data(), 1, n, f) == n;
}

// The copy alone (no journal), checked; null with `error` set.
std::optional<ZoneCopy> read_copy(const std::string& path, std::string& error) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    error = "no stored copy";
    return std::nullopt;
  }
  std::string head, text, packed, trailer;
  if (!read_exact(f.get(), head, kHeader) || std::string_view(head).substr(0, 8) != kMagic) {
    error = "not a stored zone copy (an older format?)";
    return std::nullopt;
  }
  Reader r{std::string_view(head).substr(8)};
  const auto version = static_cast<std::uint32_t>(r.take(4));
  ZoneCopy copy;
  copy.serial = static_cast<std::uint32_t>(r.take(4));
  const auto soa_size = r.take(4), apex_size = r.take(4), count = r.take(8), packed_size = r.take(8);
  if (version != kVersion) {
    error = "stored copy of format version " + std::to_string(version) + ", this build reads " + std::to_string(kVersion);
    return std::nullopt;
  }
  error = "stored copy damaged";
  // The sizes must add up to the file's before anything is allocated for them.
  std::error_code ec;
  const std::uint64_t file_size = fs::file_size(path, ec);
  if (ec || packed_size >= (1ull << 32) || kHeader + soa_size + apex_size + packed_size + 4 != file_size) return std::nullopt;
  if (!read_exact(f.get(), text, soa_size + apex_size) ||
      !read_exact(f.get(), packed, packed_size) || !read_exact(f.get(), trailer, 4) || std::fgetc(f.get()) != EOF)
    return std::nullopt;
  const std::uint32_t crc = crc_of(crc_of(crc_of(0, head), text), packed);
  if (Reader{trailer}.take(4) != crc) return std::nullopt;
  copy.soa = text.substr(0, soa_size);
  auto records = ZoneRecords::from_packed(text.substr(soa_size), std::move(packed), count);
  if (!records) return std::nullopt;
  copy.copy_bytes = kHeader + text.size() + packed_size + 4;
  copy.records = std::move(*records);
  error.clear();
  return copy;
}

// Applies one journal payload when it starts at the copy's serial; false: damaged.
bool replay(ZoneCopy& copy, std::string_view payload) {
  Reader r{payload};
  const auto from = static_cast<std::uint32_t>(r.take(4)), to = static_cast<std::uint32_t>(r.take(4));
  const std::string_view soa = r.str();
  std::vector<std::string_view> deleted, added;
  for (auto* list : {&deleted, &added}) {
    const auto n = r.take(4);
    for (std::uint64_t i = 0; r.ok && i < n; ++i) list->push_back(r.str());
  }
  if (!r.ok || !r.in.empty()) return false;
  if (from != copy.serial) return true;  // written before the copy was: already in it
  for (std::string_view d : deleted) {
    if (!copy.records.contains(d)) return false;  // out of step: not ours to apply
  }
  for (std::string_view a : added) {
    if (!ZoneRecords::storable(a)) return false;
  }
  for (std::string_view d : deleted) copy.records.erase(d);
  for (std::string_view a : added) copy.records.insert(a);
  copy.serial = to;
  copy.soa = std::string(soa);
  ++copy.replayed;
  return true;
}

void replay_journal(ZoneCopy& copy, const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return;
  std::error_code ec;
  std::uint64_t left = fs::file_size(path, ec);  // a damaged size must not allocate more than is there
  std::string head(8, '\0'), payload;
  for (std::size_t got; !ec && (got = std::fread(head.data(), 1, 8, f.get())) > 0;) {
    Reader r{head};
    const auto size = r.take(4), crc = r.take(4);
    const bool whole = got == 8 && size + 8 <= left && read_exact(f.get(), payload, size);
    left -= whole ? size + 8 : 0;
    if (!whole || crc_of(0, payload) != crc || !replay(copy, payload)) {
      // An append cut short by a crash or a full disk: what came before it stands.
      copy.journal_problem = whole ? "a damaged journal entry" : "a torn journal tail";
      return;
    }
    copy.journal_bytes += 8 + size;
  }
}

}  // namespace

bool write_zone_copy(const std::string& path, std::uint32_t serial, std::string_view soa, const ZoneRecords& records,
                     std::string& error) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0 && write_copy(fd, serial, soa, records) && ::fsync(fd) == 0;
  if (fd >= 0) ok = ::close(fd) == 0 && ok;
  if (ok) fs::rename(tmp, path, ec);
  if (!ok || ec) {
    fs::remove(tmp, ec);
    error = "cannot store the zone in " + path;
    return false;
  }
  fs::remove(path + ".journal", ec);  // its entries are in the copy (and would be skipped)
  return true;
}

bool append_zone_journal(const std::string& path, const ZoneJournalEntry& entry, std::uint64_t& journal_bytes,
                         std::string& error) {
  std::string payload;
  put32(payload, entry.from);
  put32(payload, entry.to);
  put_str(payload, entry.soa);
  for (auto list : {entry.deleted, entry.added}) {
    put32(payload, static_cast<std::uint32_t>(list.size()));
    for (const std::string& line : list) put_str(payload, line);
  }
  std::string bytes;
  put32(bytes, static_cast<std::uint32_t>(payload.size()));
  put32(bytes, crc_of(0, payload));
  bytes += payload;
  const std::string journal = path + ".journal";
  const int fd = ::open(journal.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  bool ok = fd >= 0 && payload.size() < (1ull << 32) && write_all(fd, bytes) && ::fsync(fd) == 0;
  struct stat st {};
  if (fd >= 0) {
    ok = ::fstat(fd, &st) == 0 && ok;
    ok = ::close(fd) == 0 && ok;
  }
  if (!ok) {
    error = "cannot append to " + journal;
    return false;
  }
  journal_bytes = static_cast<std::uint64_t>(st.st_size);
  return true;
}

std::optional<ZoneCopy> load_zone_copy(const std::string& path, std::string& error) {
  auto copy = read_copy(path, error);
  std::error_code ec;
  if (!copy || !fs::exists(path + ".journal", ec)) return copy;
  copy->records.fit();  // the replay looks records up
  replay_journal(*copy, path + ".journal");
  return copy;
}

}  // namespace sprout::blocklists
