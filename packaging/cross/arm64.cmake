# Cross toolchain for 64-bit ARM routers (crossbuild-essential-arm64); see common.cmake.
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(SPROUT_CROSS_TRIPLET aarch64-linux-gnu)
set(SPROUT_CROSS_QEMU qemu-aarch64-static)
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
