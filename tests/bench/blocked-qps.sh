#!/bin/sh
# Blocked-query throughput of one sproutdns, for comparing builds rather than peers (issue 12,
# item 5: a cross build under qemu-user against the native one). Starts SPROUTDNS with
# sprout-peer.sh (workers 1, the list LIST_DIR/domains.txt, limits the client never reaches)
# on 127.0.0.1:5341, waits until it answers, then runs udpblast (../shared/bench/udpblast.c,
# built here) with QUERIES for SECONDS and prints its line: sent recv lost qps.
# usage: blocked-qps.sh [--emulator "qemu-ARCH-static -L SYSROOT"] SPROUTDNS LIST_DIR QUERIES [SECONDS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
emulator=""
if [ "${1:-}" = --emulator ]; then emulator=$2; shift 2; fi
[ $# -ge 3 ] || { echo "usage: blocked-qps.sh [--emulator CMD] SPROUTDNS LIST_DIR QUERIES [SECONDS]" >&2; exit 2; }
bin=$1 lists=$(cd "$2" && pwd) queries=$3 seconds=${4:-10}
run=$(mktemp -d /tmp/sprout-qps.XXXXXX)
pid=""
trap '[ -z "$pid" ] || { kill "$pid"; wait "$pid"; } 2>/dev/null; rm -rf "$run"' EXIT
cc -O2 -o "$run/udpblast" "${SPROUT_BENCH_HARNESS:-$here/../../../shared/bench}/udpblast.c"
if [ -n "$emulator" ]; then
  printf '#!/bin/sh\nexec %s %s "$@"\n' "$emulator" "$(realpath "$bin")" > "$run/sproutdns"
  chmod +x "$run/sproutdns"
  bin=$run/sproutdns
fi
"$here/sprout-peer.sh" "$bin" "$run" 5341 5399 "$lists" 1 2>"$run/log" &
pid=$!
probe=$(head -n 1 "$lists/domains.txt")
for _ in $(seq 600); do
  dig +short +tries=1 +time=1 @127.0.0.1 -p 5341 "$probe" >/dev/null 2>&1 && \
    dig @127.0.0.1 -p 5341 "$probe" | grep -q NXDOMAIN && break
  kill -0 "$pid" 2>/dev/null || { echo "sproutdns exited:"; tail -n 20 "$run/log"; exit 1; } >&2
  sleep 0.5
done
"$run/udpblast" -s 127.0.0.1 -p 5341 -d "$queries" -l "$seconds"
