#!/bin/sh
# Runs the unit and e2e tests of a cross build under qemu-user-static (issue 12, item 5;
# packaging/README.md, "Home routers"). Build first: packaging/cross-build.sh ARCH.
#
# usage: packaging/cross-test.sh ARCH [ctest options...]
#
# ctest starts every test executable through the toolchain's CMAKE_CROSSCOMPILING_EMULATOR
# (qemu-ARCH-static -L <sysroot>), and the e2e tests start sproutdns and fake_upstream
# through scripts that do the same (tests/e2e/CMakeLists.txt): no binfmt_misc is needed.
# Tests left out, with why, are in `excluded` below.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
arch=${1:-}
shift || true
case "$arch" in
  arm64|armhf|mipsel) ;;
  *) echo "usage: cross-test.sh arm64|armhf|mipsel [ctest options...]" >&2; exit 2 ;;
esac
build=${SPROUT_CROSS_DIR:-$(dirname "$here")/build-cross}/$arch
[ -f "$build/CTestTestfile.cmake" ] || { echo "cross-test.sh: no tests in $build (packaging/cross-build.sh $arch)" >&2; exit 1; }

# ctest names left out, as one regular expression (none so far: e2e_router, with its network
# namespaces and a real dnsmasq, passes under qemu-user too).
excluded_tests=""
# Catch2 cases left out of e2e_resolver (which is then run here, not by ctest), each with why:
# - "reload: admin.token and stats.threshold apply...": its first request goes to the admin
#   API as soon as the ready file is there, but sproutdns binds the admin port after writing
#   the ready file (resolver/control/src/server.cpp: the file is written before the privilege
#   drop, the admin API starts after the workers). Natively the gap is a few milliseconds;
#   under qemu it was about 600 ms and the request got no answer in 1 of 3 runs (and 1 of 1
#   full runs). A race in the test's wait, widened by emulation; see packaging/README.md.
# - "a one-minute pause of a device ends on time, across a restart": sproutdns runs on a fake
#   clock that starts at 08:00:00 when the process starts, and the test expects the pause it
#   asks for (`sproutdns pause --for 1m`, itself emulated, retried until the admin API is
#   up) to end at 08:01:00, i.e. to be placed within the clock's first second. Under qemu
#   it took longer in 1 of 2 full runs: "until":"2026-12-01T08:01:01Z".
excluded_cases='~"reload: admin.token and stats.threshold apply*"~"a one-minute pause of a device ends on time*"'

status=0
nice -n 19 ctest --test-dir "$build" -E "e2e_resolver${excluded_tests:+|$excluded_tests}" --output-on-failure "$@" || status=$?
# The emulator command the build wrote into its wrapper script (tests/e2e/CMakeLists.txt).
emulator=$(grep -o 'qemu-[a-z0-9_]*-static -L [^ ]*' "$build/tests/e2e/sproutdns-emulated")
echo "e2e_resolver without: $excluded_cases"
# shellcheck disable=SC2086 # the emulator is a command with its arguments
(cd "$build/tests/e2e" && nice -n 19 $emulator ./test_e2e "[resolver]$excluded_cases") || status=$?
exit $status
