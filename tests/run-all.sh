#!/bin/sh
# Installs dependencies, builds Sprout twice (optimized, then with AddressSanitizer and
# UBSan) and runs the whole test suite on each build. Exits non-zero on any failure.
set -eu
cd "$(dirname "$0")/.."
packaging/install-deps.sh
jobs=$(nproc)
for variant in release asan; do
  dir="build-test-$variant"
  if [ "$variant" = asan ]; then
    set -- -DCMAKE_BUILD_TYPE=Debug -DSPROUT_SANITIZE=address,undefined
  else
    set -- -DCMAKE_BUILD_TYPE=RelWithDebInfo
  fi
  echo "== $variant build"
  cmake -S . -B "$dir" -DSPROUT_TESTS=ON "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
  echo "== $variant tests"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$dir" --output-on-failure --timeout 600
done
