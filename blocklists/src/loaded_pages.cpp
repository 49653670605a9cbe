#include "sprout/blocklists/loaded_pages.hpp"

#include <elf.h>
#include <link.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace sprout::blocklists {

namespace {

// An object with text relocations has its code made writable and patched while it loads:
// its "read-only" pages may then be this process's own; such an object is left alone.
bool has_text_relocations(const dl_phdr_info& info) {
  for (int i = 0; i < info.dlpi_phnum; ++i) {
    const auto& ph = info.dlpi_phdr[i];
    if (ph.p_type != PT_DYNAMIC) continue;
    for (auto* d = reinterpret_cast<const ElfW(Dyn)*>(info.dlpi_addr + ph.p_vaddr); d->d_tag != DT_NULL; ++d) {
      if (d->d_tag == DT_TEXTREL || (d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_TEXTREL) != 0)) return true;
    }
  }
  return false;
}

// The vDSO is the kernel's image, not a file: nothing to give back.
bool is_vdso(const dl_phdr_info& info) {
  const auto vdso = ::getauxval(AT_SYSINFO_EHDR);
  if (vdso == 0) return false;
  const auto* ehdr = reinterpret_cast<const ElfW(Ehdr)*>(vdso);
  return reinterpret_cast<std::uintptr_t>(info.dlpi_phdr) == vdso + ehdr->e_phoff;
}

int release_object(dl_phdr_info* info, std::size_t, void* data) {
  auto& released = *static_cast<ReleasedPages*>(data);
  if (is_vdso(*info) || has_text_relocations(*info)) return 0;
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    // PF_W covers the RELRO part too: relocated, then made read-only, but this process's data.
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_W) != 0) continue;
    // Whole pages inside the segment only: a page shared with a neighbour segment stays.
    const std::uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    const std::uintptr_t begin = (start + page - 1) / page * page;
    const std::uintptr_t end = (start + ph.p_memsz) / page * page;
    if (end > begin && ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED) == 0) {
      ++released.segments;
      released.bytes += end - begin;
    }
  }
  return 0;
}

}  // namespace

ReleasedPages release_loaded_pages() noexcept {
  // dl_iterate_phdr holds the loader's lock for the whole walk: no object is unmapped (dlclose)
  // meanwhile, so no address advised here can belong to a new mapping of someone else's data.
  ReleasedPages released;
  ::dl_iterate_phdr(release_object, &released);
  return released;
}

}  // namespace sprout::blocklists
