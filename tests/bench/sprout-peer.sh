#!/bin/sh
# Starts sproutdns as a peer of ../shared/bench/run-peers.sh: writes its config into the
# per-instance run dir and stays in the foreground.
# usage: sprout-peer.sh SPROUTDNS RUN_DIR PORT UPSTREAM_PORT LIST_DIR [WORKERS]
set -eu
bin=$1 run=$2 port=$3 upport=$4 bl=$5 workers=${6:-1}
mkdir -p "$run/state"
cat > "$run/sprout.yaml" <<YAML
listen: ["127.0.0.1:$port"]
workers: $workers
upstreams: [{address: 127.0.0.1, port: $upport, timeout: 1s, tries: 2}]
state_dir: $run/state
admin: {enabled: false}
# The load generator is one client: limits it never reaches, so every query still pays for
# its bucket and upstream count (the figures include the stages) without being refused.
rate_limit: {qps: 1000000, burst: 10000000}
upstream_limit: {per_client: 2048, total: 2048}
categories: {blocked: {}}
lists:
  bench: {category: blocked, source: $bl/domains.txt, format: domains}
profiles:
  default: {block: [blocked], bypass_prevention: false}
networks:
  lo: {cidrs: [127.0.0.0/8], profile: default}
YAML
exec "$bin" serve --config "$run/sprout.yaml" --user root
