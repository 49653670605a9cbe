// Counts heap allocations: a test executable linking sprout_counting_new gets a global
// operator new that counts before deferring to malloc, for "allocates nothing" proofs.
#pragma once

#include <cstddef>

namespace sprout::test {

// Allocations by operator new (every form) since the program started; any thread.
[[nodiscard]] std::size_t allocation_count() noexcept;

}  // namespace sprout::test
