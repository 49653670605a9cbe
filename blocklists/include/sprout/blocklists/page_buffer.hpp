// PageBuffer: an anonymous page mapping (mmap), for big tables that must not cost what
// they do not use: its pages are zero and become resident only when written.
#pragma once

#include <cstddef>
#include <utility>

namespace sprout::blocklists {

// Why not a std::vector: a vector value-initializes (writes) every element, so every page
// of a mostly empty table is resident (the per-worker query counters: 1.2 MiB each); a
// fresh mapping reads as zero without being resident, and only written pages count.
// Growing it (mremap) never copies nor doubles the resident memory (the index builder).
// From 2 MiB it asks for huge pages: the index's lookups hit random slots, and 4 KiB
// pages would add a TLB miss to each (a sparse table of that size would want a flag).
class PageBuffer {
 public:
  PageBuffer() = default;
  PageBuffer(const PageBuffer&) = delete;
  PageBuffer& operator=(const PageBuffer&) = delete;
  PageBuffer(PageBuffer&& o) noexcept { swap(o); }
  PageBuffer& operator=(PageBuffer&& o) noexcept {
    PageBuffer tmp(std::move(o));
    swap(tmp);
    return *this;
  }
  ~PageBuffer();
  void resize(std::size_t bytes);  // keeps contents; throws std::bad_alloc
  [[nodiscard]] void* data() const noexcept { return data_; }
  [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }
  void swap(PageBuffer& o) noexcept;

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace sprout::blocklists
