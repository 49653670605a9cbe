// release_loaded_pages: read-only segments leave the resident set, their content and every
// writable page stay.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>

#include "sprout/blocklists/loaded_pages.hpp"

namespace bl = sprout::blocklists;

namespace {

constexpr std::size_t kBytes = 512 * 1024;
const std::size_t kPage = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
// Constants of this test binary (.rodata, a file-backed read-only segment): one non-zero byte
// keeps the whole array out of .bss. Aligned to 64 KiB: the kernel maps up to 64 KiB around a
// page read (fault-around, in aligned windows), so reading a neighbouring constant (a string
// of Catch's) would otherwise map some of kConstants' pages again.
alignas(65536) const unsigned char kConstants[kBytes] = {1};
unsigned char written[kBytes];  // .bss: this process's own data once written

// Whether the page holding `p` is mapped into this process now (/proc/self/pagemap bit 63).
// No Catch macro inside: it would read constants of its own between the release and the count.
const int pagemap = ::open("/proc/self/pagemap", O_RDONLY);
bool present(const void* p) {
  std::uint64_t entry = 0;
  const auto offset = static_cast<off_t>(reinterpret_cast<std::uintptr_t>(p) / kPage * sizeof entry);
  return ::pread(pagemap, &entry, sizeof entry, offset) == static_cast<ssize_t>(sizeof entry) && (entry >> 63) != 0;
}

// How many pages of kConstants are mapped.
std::size_t constants_present() {
  std::size_t n = 0;
  for (std::size_t off = 0; off < kBytes; off += kPage) n += present(kConstants + off) ? 1 : 0;
  return n;
}

// Reads a byte of every page through a volatile pointer (the compiler knows the values).
unsigned read_constants() {
  const volatile unsigned char* c = kConstants;
  unsigned sum = 0;
  for (std::size_t i = 0; i < kBytes; i += 512) sum += c[i] + c[kBytes - 1 - i];
  return sum;
}

}  // namespace

TEST_CASE("release_loaded_pages: read-only pages unmapped, content and written pages kept", "[loaded_pages]") {
  for (std::size_t i = 0; i < kBytes; ++i) written[i] = static_cast<unsigned char>(i * 7 + 1);
  REQUIRE(pagemap >= 0);
  REQUIRE(read_constants() == 1);
  const std::size_t pages = kBytes / kPage;
  REQUIRE(constants_present() == pages);  // just read: every page mapped

  const bl::ReleasedPages released = bl::release_loaded_pages();
  const std::size_t left = constants_present();
  CHECK(released.segments >= 2);  // at least this binary's code and constants
  CHECK(released.bytes >= kBytes);
  CHECK(left == 0);

  // Read again: mapped again from the file, with the same content.
  CHECK(read_constants() == 1);
  CHECK(constants_present() == pages);
  // This process's data: still mapped, still what was written.
  CHECK(present(written + kPage));
  bool kept = true;
  for (std::size_t i = 0; i < kBytes; ++i) kept = kept && written[i] == static_cast<unsigned char>(i * 7 + 1);
  CHECK(kept);
}
