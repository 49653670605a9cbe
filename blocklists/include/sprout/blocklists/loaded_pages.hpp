// Releases the resident pages of the program's and its libraries' read-only segments (code,
// constants, symbol tables) after a burst of one-off work: start, a reload, a list rebuild.
#pragma once

#include <cstddef>

namespace sprout::blocklists {

struct ReleasedPages {
  std::size_t segments = 0;  // read-only segments advised
  std::size_t bytes = 0;     // their size (not all of it was resident)
};

// Why: a read-only page of a mapped file, once touched, stays in this process's resident set
// until memory runs short, and the kernel maps up to 64 KiB around each page touched. Start
// touches much that is never needed again: the dynamic loader reads every library's symbol
// and relocation tables (libcrypto's alone are 0.8 MiB), and the config reader, list
// loaders, yaml-cpp and SQLite's schema setup run once. That was 6 of the 20 MiB of a
// server with 1M names (packaging/README.md, "Resident memory"). MADV_DONTNEED unmaps them;
// the file keeps them, so a later use maps them again (a minor fault while they are cached).
// Writable segments (relocated data, .data, .bss) are never touched: their pages hold this
// process's own data, which MADV_DONTNEED would throw away.
ReleasedPages release_loaded_pages() noexcept;

}  // namespace sprout::blocklists
