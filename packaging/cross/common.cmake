# Shared part of the cross toolchain files (arm64.cmake, armhf.cmake, mipsel.cmake): Debian's
# cross compiler for SPROUT_CROSS_TRIPLET, the target's libraries from a sysroot (a Debian root
# of the target architecture, made by packaging/cross-build.sh), and qemu-user-static as the
# emulator ctest runs every test executable with. The arch file sets CMAKE_SYSTEM_PROCESSOR,
# SPROUT_CROSS_TRIPLET and SPROUT_CROSS_QEMU before including this one.
set(CMAKE_SYSTEM_NAME Linux)

# The sysroot comes from the environment so that CMake's try_compile projects, which read this
# file again without the cache, find it too.
if(NOT DEFINED ENV{SPROUT_CROSS_SYSROOT} OR NOT IS_DIRECTORY "$ENV{SPROUT_CROSS_SYSROOT}/usr/include")
  message(FATAL_ERROR "SPROUT_CROSS_SYSROOT='$ENV{SPROUT_CROSS_SYSROOT}' is not a ${SPROUT_CROSS_TRIPLET} "
                      "sysroot (packaging/cross-build.sh makes one)")
endif()
set(CMAKE_SYSROOT "$ENV{SPROUT_CROSS_SYSROOT}")

set(CMAKE_C_COMPILER ${SPROUT_CROSS_TRIPLET}-gcc-12)
set(CMAKE_CXX_COMPILER ${SPROUT_CROSS_TRIPLET}-g++-12)
set(CMAKE_STRIP ${SPROUT_CROSS_TRIPLET}-strip CACHE FILEPATH "")

# Programs (pkg-config, systemd-analyze, dig) are the host's; headers, libraries and CMake
# packages only the target's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${CMAKE_SYSROOT}")
set(ENV{PKG_CONFIG_LIBDIR} "${CMAKE_SYSROOT}/usr/lib/${SPROUT_CROSS_TRIPLET}/pkgconfig:${CMAKE_SYSROOT}/usr/share/pkgconfig")

# -L: the target's dynamic loader and libraries come from the sysroot (no binfmt_misc needed).
set(CMAKE_CROSSCOMPILING_EMULATOR ${SPROUT_CROSS_QEMU} -L ${CMAKE_SYSROOT})
