# Cross toolchain for 32-bit ARMv7 hard-float routers (crossbuild-essential-armhf); see common.cmake.
set(CMAKE_SYSTEM_PROCESSOR arm)
set(SPROUT_CROSS_TRIPLET arm-linux-gnueabihf)
set(SPROUT_CROSS_QEMU qemu-arm-static)
# GCC notes on every std::vector<T>::iterator argument that its ABI changed in GCC 7.1: true,
# and nothing here links code built by an older GCC.
set(CMAKE_CXX_FLAGS_INIT -Wno-psabi)
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
