// Heap allocations of the test executable so far (lookups must not allocate). Counted only
// without AddressSanitizer, which owns operator new itself: SPROUT_COUNT_ALLOCATIONS says.
#pragma once

#include <cstddef>

#if !defined(__SANITIZE_ADDRESS__)
#define SPROUT_COUNT_ALLOCATIONS 1
#endif

std::size_t allocation_count() noexcept;
