// PageBuffer (see page_buffer.hpp).
#include "sprout/blocklists/page_buffer.hpp"

#include <sys/mman.h>

#include <new>

namespace sprout::blocklists {

PageBuffer::~PageBuffer() {
  if (data_ != nullptr) munmap(data_, bytes_);
}

void PageBuffer::swap(PageBuffer& o) noexcept {
  std::swap(data_, o.data_);
  std::swap(bytes_, o.bytes_);
}

void PageBuffer::resize(std::size_t bytes) {
  constexpr std::size_t kPage = 4096;
  bytes = (bytes + kPage - 1) / kPage * kPage;
  if (bytes == bytes_) return;
  if (bytes == 0) {
    PageBuffer empty;
    swap(empty);
    return;
  }
  void* p = data_ == nullptr
                ? mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                : mremap(data_, bytes_, bytes, MREMAP_MAYMOVE);
  if (p == MAP_FAILED) throw std::bad_alloc();
  // Huge pages: the index's lookups hit random slots (see page_buffer.hpp).
  if (bytes >= (2u << 20)) madvise(p, bytes, MADV_HUGEPAGE);
  data_ = p;
  bytes_ = bytes;
}

}  // namespace sprout::blocklists
