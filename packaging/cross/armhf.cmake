# Cross toolchain for 32-bit ARMv7 hard-float routers (crossbuild-essential-armhf); see common.cmake.
set(CMAKE_SYSTEM_PROCESSOR arm)
set(SPROUT_CROSS_TRIPLET arm-linux-gnueabihf)
set(SPROUT_CROSS_QEMU qemu-arm-static)
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
