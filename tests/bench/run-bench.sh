#!/usr/bin/env bash
# Side-by-side benchmark: Sprout against dnsdist, Unbound and the trivial C responder, in
# the same run, on the same generated 1M-domain blocklist and the same local upstream, with
# ../shared/bench/run-peers.sh (server pinned to CPU 0, load and upstream on CPU 1).
#
#   tests/bench/run-bench.sh                       # udpblast (server-bound QPS), N=1M
#   CLIENT=dnsperf tests/bench/run-bench.sh        # dnsperf QPS plus avg/p99 at 10k QPS
#   N=100000 PEERS="ceiling sprout" tests/bench/run-bench.sh -r 1 -d 5
#   SPROUT_BASELINE=/path/to/old/sproutdns tests/bench/run-bench.sh   # adds peer "sproutold"
#
# Extra arguments go to run-peers.sh. Results: $SPROUT_BENCH_DIR/results/<stamp>-<client>/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${SPROUT_BENCH_HARNESS:-$ROOT/../shared/bench}
WORK=${SPROUT_BENCH_DIR:-/tmp/sprout-bench}
N=${N:-1000000}
CLIENT=${CLIENT:-udpblast}
WORKERS=${WORKERS:-1}
BASELINE=${SPROUT_BASELINE:-}   # another sproutdns binary, run in the same run as "sproutold"
PEERS=${PEERS:-"ceiling dnsdist unbound sprout${BASELINE:+ sproutold}"}
OLD=()
[ -z "$BASELINE" ] || OLD=(--peer "sproutold|5321|list|$ROOT/tests/bench/sprout-peer.sh $BASELINE @RUN@ @PORT@ @UPPORT@ @BL@ $WORKERS")

if [ "$(id -u)" = 0 ]; then
  missing=""
  for p in dnsperf dnsdist unbound; do command -v "$p" >/dev/null || missing="$missing $p"; done
  /usr/bin/python3 -c "import dns.flags" 2>/dev/null || missing="$missing python3-dnspython"
  [ -z "$missing" ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing; }
fi
cmake -S "$ROOT" -B "$ROOT/build-bench" -DCMAKE_BUILD_TYPE=Release -DSPROUT_TESTS=OFF >/dev/null
cmake --build "$ROOT/build-bench" -j"$(nproc)" --target sproutdns
mkdir -p "$WORK"
cp -r "$SHARED"/. "$WORK"/
chmod -R u+w "$WORK"
cd "$WORK"
[ -f "data/bl-$N/domains.txt" ] || /usr/bin/python3 gen_data.py --sizes "$N"
out="$WORK/results/$(date +%Y%m%d-%H%M%S)-$CLIENT"
./run-peers.sh -p "$PEERS" -n "$N" --client "$CLIENT" --out "$out" \
  --peer "sprout|5320|list|$ROOT/tests/bench/sprout-peer.sh $ROOT/build-bench/resolver/cli/sproutdns @RUN@ @PORT@ @UPPORT@ @BL@ $WORKERS" "${OLD[@]+"${OLD[@]}"}" "$@"
/usr/bin/python3 summarize.py report "$out" || true
echo "results: $out"
