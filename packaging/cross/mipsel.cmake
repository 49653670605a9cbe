# Cross toolchain for 32-bit little-endian MIPS routers (crossbuild-essential-mipsel); see common.cmake.
set(CMAKE_SYSTEM_PROCESSOR mipsel)
set(SPROUT_CROSS_TRIPLET mipsel-linux-gnu)
set(SPROUT_CROSS_QEMU qemu-mipsel-static)
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
