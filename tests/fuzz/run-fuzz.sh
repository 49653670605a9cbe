#!/bin/sh
# Builds the libFuzzer targets with clang and runs each one for SECONDS (default 600), at most
# two at a time, under nice. Usage: tests/fuzz/run-fuzz.sh [seconds] [target...]
# Working corpora grow in build-fuzz/fuzz-corpus/<target> (seeded from tests/fuzz/corpus);
# logs with libFuzzer's final figures go to build-fuzz/fuzz-logs/<target>.log; crashes are
# written as build-fuzz/fuzz-logs/crash-* and make the script exit non-zero.
set -eu
seconds=${1:-600}
[ $# -gt 0 ] && shift
targets=${*:-"fuzz_query fuzz_proxy fuzz_lists fuzz_config fuzz_leases fuzz_admin fuzz_answer fuzz_differential fuzz_transfer"}
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${SPROUT_FUZZ_BUILD:-$src/build-fuzz}
data=${SPROUT_SHARED_DATA:-$src/../shared/data}
[ -d "$data" ] || data=/work/shared/data

launcher=""
command -v ccache >/dev/null && launcher="-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
# shellcheck disable=SC2086
CC=clang-14 CXX=clang++-14 cmake -S "$src" -B "$build" -DSPROUT_FUZZ=ON -DSPROUT_TESTS=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPROUT_SHARED_DATA="$data" $launcher >/dev/null
# shellcheck disable=SC2086
nice -n 10 cmake --build "$build" -j2 --target $targets

mkdir -p "$build/fuzz-logs"
run() {
  t=$1
  name=${t#fuzz_}
  corpus=$build/fuzz-corpus/$t  # shellcheck disable=SC2086 (seeds is a list)
  mkdir -p "$corpus"
  seeds=$src/tests/fuzz/corpus/$name
  [ "$t" = fuzz_config ] && seeds="$seeds $src/config/examples $src/tests/unit/config/bad"
  [ "$t" = fuzz_differential ] && seeds="$seeds $src/tests/fuzz/corpus/query"
  nice -n 10 "$build/tests/fuzz/$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$build/fuzz-logs/$t-" "$corpus" $seeds >"$build/fuzz-logs/$t.log" 2>&1
}

status=0
set -- $targets
while [ $# -gt 0 ]; do
  run "$1" & first=$!
  second=""
  if [ $# -gt 1 ]; then run "$2" & second=$!; fi
  wait "$first" || status=1
  [ -n "$second" ] && { wait "$second" || status=1; }
  shift; [ $# -gt 0 ] && shift
done
for t in $targets; do
  log=$build/fuzz-logs/$t.log
  printf '%s: %s\n' "$t" "$(grep -E 'cov:' "$log" | tail -1)"
  grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec' "$log" | tr '\n' ' '; echo
  grep -E '^==[0-9]+==ERROR|fuzz invariant failed|deadly signal' "$log" | head -3 || true
done
exit $status
