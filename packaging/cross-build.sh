#!/bin/sh
# Cross-builds sproutdns for a home-router architecture with Debian's cross toolchains
# (issue 12, item 5; packaging/README.md, "Home routers").
#
# usage: packaging/cross-build.sh ARCH [--static] [--mirror URL]
#   ARCH      arm64 | armhf | mipsel
#   (default) MinSizeRel (what a router gets) with the unit and e2e tests, in build-cross/ARCH;
#             packaging/cross-test.sh ARCH runs the tests under qemu-user-static
#   --static  also link libstdc++, libgcc, yaml-cpp, c-ares and SQLite statically, without
#             the tests (only the link differs), in build-cross/ARCH-static. The other
#             libraries stay shared: Debian ships no static cctz, and curl's and OpenSSL's
#             static archives would pull in their own dependency trees.
# Both print the size of the stripped binary and the libraries it still loads.
#
# The target's headers and libraries come from a sysroot, build-cross/sysroot-ARCH: the
# first run makes it (as root, from the Debian mirror) with `debootstrap --foreign`, which
# only downloads and unpacks; no package of the host is touched (multiarch -dev packages
# would have to match the host's installed versions exactly, see the README).
# Needs: crossbuild-essential-ARCH, qemu-user-static (for the tests), debootstrap.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
arch=${1:-}
shift || true
static=0 mirror=http://deb.debian.org/debian
while [ $# -gt 0 ]; do
  case "$1" in
    --static) static=1 ;;
    --mirror) mirror=$2; shift ;;
    *) echo "cross-build.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done
case "$arch" in
  arm64) triplet=aarch64-linux-gnu ;;
  armhf) triplet=arm-linux-gnueabihf ;;
  mipsel) triplet=mipsel-linux-gnu ;;
  *) echo "usage: cross-build.sh arm64|armhf|mipsel [--static] [--mirror URL]" >&2; exit 2 ;;
esac
command -v "$triplet-g++-12" >/dev/null || { echo "cross-build.sh: $triplet-g++-12 missing (apt-get install crossbuild-essential-$arch)" >&2; exit 1; }

out=${SPROUT_CROSS_DIR:-$src/build-cross}
sysroot=$out/sysroot-$arch
# The -dev packages of packaging/install-deps.sh for the target, and what the tests include.
dev_pkgs=libboost-dev,libc-ares-dev,libyaml-cpp-dev,libidn2-dev,libcurl4-openssl-dev,zlib1g-dev
dev_pkgs=$dev_pkgs,libsqlite3-dev,libpq-dev,libssl-dev,libldns-dev,libcctz-dev,nlohmann-json3-dev,catch2
dev_pkgs=$dev_pkgs,libstdc++-12-dev,tzdata,libnghttp2-dev

make_sysroot() {
  [ "$(id -u)" = 0 ] || { echo "cross-build.sh: making $sysroot needs root (debootstrap)" >&2; exit 1; }
  rm -rf "$sysroot.tmp"
  nice -n 19 debootstrap --foreign --arch="$arch" --variant=minbase --include="$dev_pkgs" \
    bookworm "$sysroot.tmp" "$mirror"
  # --foreign unpacks only the essential packages; unpack the rest (no maintainer scripts
  # are needed for headers and libraries).
  for deb in "$sysroot.tmp"/var/cache/apt/archives/*.deb; do dpkg-deb -x "$deb" "$sysroot.tmp"; done
  # qemu -L looks a guest's path up in the sysroot first: keep only what a build and a
  # run need, so /dev, /tmp, /proc and /etc/hosts stay the host's.
  (cd "$sysroot.tmp" && rm -rf dev proc sys run tmp var home root boot mnt media srv opt debootstrap \
    etc/hosts etc/resolv.conf)
  echo "$dev_pkgs" > "$sysroot.tmp/.sprout-packages"
  rm -rf "$sysroot"
  mv "$sysroot.tmp" "$sysroot"
}
# Made again when the package list above changed (a new dependency).
[ "$(cat "$sysroot/.sprout-packages" 2>/dev/null)" = "$dev_pkgs" ] || make_sysroot

build=$out/$arch
opts="-DCMAKE_BUILD_TYPE=MinSizeRel -DSPROUT_TESTS=ON -DSPROUT_SHARED_DATA=${SPROUT_SHARED_DATA:-/work/shared/data}"
if [ "$static" = 1 ]; then
  build=$out/$arch-static
  opts="-DCMAKE_BUILD_TYPE=MinSizeRel -DSPROUT_TESTS=OFF"
  lib=$sysroot/usr/lib/$triplet
  # FindPkgConfig keeps the path it found for each library in pkgcfg_lib_<PREFIX>_<lib>;
  # presetting it to the archive links that library statically.
  set -- -DCMAKE_EXE_LINKER_FLAGS="-static-libstdc++ -static-libgcc" \
    -Dpkgcfg_lib_YAMLCPP_yaml-cpp="$lib/libyaml-cpp.a" -Dpkgcfg_lib_CARES_cares="$lib/libcares.a" \
    -Dpkgcfg_lib_SQLITE_sqlite3="$lib/libsqlite3.a"
fi

export SPROUT_CROSS_SYSROOT="$sysroot"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-/work}"
launcher=""
command -v ccache >/dev/null && launcher="-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
# shellcheck disable=SC2086 # opts and launcher are lists of options
nice -n 19 cmake -S "$src" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$here/cross/$arch.cmake" $opts $launcher "$@" >/dev/null
# sproutdns first: its figures do not wait for the tests.
nice -n 19 cmake --build "$build" -j"${SPROUT_CROSS_JOBS:-2}" --target sproutdns
bin=$build/resolver/cli/sproutdns
"$triplet-strip" -o "$bin.stripped" "$bin"
echo "$arch$( [ "$static" = 1 ] && echo ' static'): $bin.stripped $(stat -c %s "$bin.stripped") bytes stripped; NEEDED: $("$triplet-readelf" -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')"
nice -n 19 cmake --build "$build" -j"${SPROUT_CROSS_JOBS:-2}"
[ "$static" = 1 ] || echo "$arch: tests built in $build (packaging/cross-test.sh $arch runs them)"
