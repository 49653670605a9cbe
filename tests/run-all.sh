#!/bin/sh
# Installs dependencies, builds Sprout and runs the tests three ways: optimized (every test),
# with AddressSanitizer + UBSan (every test), and with ThreadSanitizer (only the tests where
# threads meet: the packet cache, snapshots and counters). Exits non-zero on any failure.
# With ccache installed, rebuilds reuse earlier compilations.
#   tests/run-all.sh              all three variants
#   tests/run-all.sh tsan asan    only these, in this order
set -eu
cd "$(dirname "$0")/.."
packaging/install-deps.sh
jobs=$(nproc)
launcher=""
if command -v ccache >/dev/null 2>&1; then
  launcher="-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
fi

# The ThreadSanitizer variant: these targets, these ctest names (unit.cache: concurrent cache
# inserts and lookups; unit.core: snapshot publish-while-reading; unit.stats: counters read
# by the control thread while a worker counts).
tsan_targets="test_cache test_core test_stats"
tsan_tests='^unit\.(cache|core|stats)$'

run_variant() {
  variant=$1
  shift
  dir="build-test-$variant"
  echo "== $variant build"
  # shellcheck disable=SC2086 # $launcher is empty or two words
  cmake -S . -B "$dir" -DSPROUT_TESTS=ON $launcher "$@" >/dev/null
  if [ "$variant" = tsan ]; then
    # shellcheck disable=SC2086
    cmake --build "$dir" -j"$jobs" --target $tsan_targets
    echo "== $variant tests"
    TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp" \
      ctest --test-dir "$dir" --output-on-failure --timeout 600 -R "$tsan_tests"
  else
    cmake --build "$dir" -j"$jobs"
    echo "== $variant tests"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      ctest --test-dir "$dir" --output-on-failure --timeout 600
  fi
}

[ $# -gt 0 ] || set -- release asan tsan
for variant in "$@"; do
  case $variant in
    release) run_variant release -DCMAKE_BUILD_TYPE=RelWithDebInfo ;;
    asan) run_variant asan -DCMAKE_BUILD_TYPE=Debug -DSPROUT_SANITIZE=address,undefined ;;
    tsan) run_variant tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPROUT_SANITIZE=thread ;;
    *) echo "unknown variant '$variant' (release, asan, tsan)" >&2; exit 2 ;;
  esac
done
