#!/bin/sh
# Encrypted DNS side by side: Sprout (one worker) and dnsdist, the same fake upstream, the same
# certificate, in the same run. DoT with 100 reused connections (dnsperf -m dot), DoH/2 with
# h2load (many streams per connection, a sample of answers checked with curl), new TLS
# handshakes per second (openssl s_time) and memory per idle TLS connection (RSS delta).
# Both servers on CPU 0, the load generators and the upstream on CPU 1. Not part of any test run.
# DoT also runs against `floor` (dot-floor.c, compiled here): a minimal epoll + OpenSSL responder
# with canned NXDOMAIN answers, the bound for any DoT server with this load shape on this machine.
# usage: tests/bench/encrypted-bench.sh BUILD_DIR [SECONDS]   (raises the descriptor limit to its hard limit)
#   PARTS="dot doh handshakes idle" (default) picks what runs; idle-h2 and idle-http1 add idle DoH
#   connections (ALPN h2, http/1.1; one request answered each), best one kind per run: a server
#   that already held 1000 connections reuses their freed memory without growing RSS, and shows
#   too little. COUNT=1 adds, per DoT server, a 3 s run under `strace -c -f` (syscalls per answer)
#   and the TCP segments per answer of a normal run (nstat's loopback totals, both directions; `ss -ti` of the server's sockets at the end).
set -eu
build=$(cd "$1" && pwd) secs=${2:-10} parts=${PARTS:-dot doh handshakes idle} count=${COUNT:-0}
has() { case " $parts " in *" $1 "*) return 0;; esac; return 1; }
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/sprout-enc-bench.XXXXXX)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT INT TERM
ulimit -n "$(ulimit -Hn)"  # 1000 idle connections need more than 1024 descriptors
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cd "$work"

# The certificate both servers present (the e2e tests' shape: a test CA, a P-256 leaf).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj '/CN=Bench CA' -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=dns.test.example' -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=DNS:dns.test.example,DNS:*.dns.test.example\n' > san.cnf
openssl x509 -req -days 2 -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -extfile san.cnf -out server.pem 2>/dev/null

taskset -c 1 "$build/tests/e2e/fake_upstream" --port-file up.port --log /dev/null & pids="$pids $!"
while [ ! -s up.port ]; do sleep 0.1; done
up=$(cat up.port)
s_dot=$(port) s_doh=$(port) d_dot=$(port) d_doh=$(port) d_plain=$(port)

# Blocked: NXDOMAIN made by the server itself; cached: asked once before, then from its cache.
cat > sprout.yaml <<YAML
listen: ["127.0.0.1:$(port)"]
workers: 1
upstreams: [{address: 127.0.0.1, port: $up}]
state_dir: $work/state
admin: {enabled: false}
stats: {enabled: false}
rate_limit: {qps: 0}
upstream_limit: {per_client: 0, total: 0}
logging: {level: warn}
deny: [blocked.example]
networks: {lo: {cidrs: [127.0.0.0/8], profile: default}}
tls: {certificate: $work/server.pem, key: $work/server.key, server_name: dns.test.example}
dot: [{address: 127.0.0.1, port: $s_dot, max_connections: 4000, max_handshakes: 1000, idle_timeout: 120s}]
doh: [{address: 127.0.0.1, port: $s_doh, max_connections: 4000, max_handshakes: 1000, idle_timeout: 120s}]
YAML
mkdir -p state
taskset -c 0 "$build/resolver/cli/sproutdns" serve --config sprout.yaml --user root > sprout.log 2>&1 & sprout=$!
pids="$pids $sprout"

# dnsdist: the same answers (a rule for the blocked name, its packet cache for the cached one),
# no security polling, no console; idle TLS connections kept as long as Sprout keeps them.
cat > dnsdist.conf <<LUA
setSecurityPollSuffix("")
setLocal("127.0.0.1:$d_plain")
addTLSLocal("127.0.0.1:$d_dot", "$work/server.pem", "$work/server.key", {maxInFlight=1000})
addDOHLocal("127.0.0.1:$d_doh", "$work/server.pem", "$work/server.key", "/dns-query")
newServer({address="127.0.0.1:$up"}):setUp()
pc = newPacketCache(100000)
getPool(""):setCache(pc)
addAction(QNameRule("blocked.example"), RCodeAction(DNSRCode.NXDOMAIN))
setTCPRecvTimeout(120)
LUA
cc -O2 -o dot-floor "$here/dot-floor.c" -lssl -lcrypto
taskset -c 0 ./dot-floor floor.port server.pem server.key & floor=$!
pids="$pids $floor"
taskset -c 0 dnsdist --supervised --disable-syslog -C dnsdist.conf > dnsdist.log 2>&1 & dnsdist=$!
pids="$pids $dnsdist"
while [ ! -s floor.port ]; do sleep 0.1; done
f_dot=$(cat floor.port)
for p in $s_dot $s_doh $d_dot $d_doh $f_dot; do
  until python3 -c "import socket; socket.create_connection(('127.0.0.1',$p),1)" 2>/dev/null; do sleep 0.2; done
done

b64() { python3 -c "import base64,struct,sys; q=struct.pack('>HHHHHH',0,0x100,1,0,0,0)+b''.join(bytes([len(l)])+l.encode() for l in sys.argv[1].split('.'))+b'\0'+struct.pack('>HH',1,1); print(base64.urlsafe_b64encode(q).decode().rstrip('='))" "$1"; }
answer() {  # rcode and answer count of one DoH answer, via curl checking the certificate
  curl -s --cacert ca.pem --resolve "dns.test.example:$1:127.0.0.1" "https://dns.test.example:$1/dns-query?dns=$(b64 "$2")" |
    python3 -c 'import sys; m=sys.stdin.buffer.read(); print("rcode", m[3]&15, "answers", int.from_bytes(m[6:8],"big"), "bytes", len(m))'
}
for p in $s_doh $d_doh; do answer "$p" cached.example > /dev/null; done  # fills both caches
# CPU seconds (user + system, all threads) a server used since the last mark: on a machine others
# load, a server with more threads gets more of CPU 0, so work per CPU second is the fair figure.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
mark() { mark_ticks=$(ticks "$1"); }
used() { echo "server CPU: $(( $(ticks "$1") - mark_ticks )) ticks of 1/$(getconf CLK_TCK) s"; }
pid_of() { case $1 in sprout) echo "$sprout";; dnsdist) echo "$dnsdist";; floor) echo "$floor";; esac; }
dot_port() { case $1 in sprout) echo "$s_dot";; dnsdist) echo "$d_dot";; floor) echo "$f_dot";; esac; }
dnsperf_dot() {  # SERVER NAME SECONDS
  taskset -c 1 dnsperf -m dot -s 127.0.0.1 -p "$(dot_port "$1")" -d "$2.txt" -c 100 -T 1 -q 1000 -l "$3" 2>&1
}
# Syscalls per answer under strace (which slows the server, so batches grow: a lower bound of the
# unstraced figure) and TCP segments per answer without it.
count_dot() {  # SERVER NAME
  strace -c -f -o "strace.$1" -p "$(pid_of "$1")" & st=$!
  sleep 0.5
  n=$(dnsperf_dot "$1" "$2" 3 | awk '/Queries completed/ {print $3}')
  kill -INT "$st"; wait "$st" 2>/dev/null || true
  echo "strace -c -f, 3 s: $n answers; calls per answer:"
  awk -v n="$n" '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" {printf "  %s %.3f%s\n", $NF, $4 / n, ($5 ~ /^[0-9]+$/ ? " (errors " $5 ")" : "")}' "strace.$1"
  nstat -n >/dev/null
  ( sleep $((secs - 1)); ss -Htin state established "( sport = :$(dot_port "$1") )" > "ss.$1" ) &
  n=$(dnsperf_dot "$1" "$2" "$secs" | awk '/Queries completed/ {print $3}')
  nstat -z TcpOutSegs TcpExtDelayedACKs TcpExtTCPHPAcks TcpExtTCPPureAcks | awk -v n="$n" 'NR > 1 && $2 ~ /^[0-9]+$/ {printf "  %s per answer %.3f\n", $1, $2 / n}'
  echo "  (nstat: $n answers; loopback, so client and server segments both count)"
  grep -o 'segs_out:[0-9]* segs_in:[0-9]* data_segs_out:[0-9]* data_segs_in:[0-9]*' "ss.$1" |
    awk -F'[: ]' '{o += $2; i += $4; d += $6; di += $8} END {printf "  ss -ti, server sockets 1 s before the end: segs_out %d segs_in %d data_segs_out %d data_segs_in %d (out/in %.2f)\n", o, i, d, di, o / i}'
}
echo "== load: $(uptime)"
echo "== answers (curl, certificate checked)"
for name in blocked.example cached.example; do
  echo "sprout  $name: $(answer "$s_doh" "$name")"
  echo "dnsdist $name: $(answer "$d_doh" "$name")"
done

for name in blocked.example cached.example; do
  yes "$name A" | head -n 1000 > "$name.txt"
  if has dot; then for who in sprout dnsdist floor; do
    echo "== DoT $who $name: dnsperf -m dot -c 100 -q 1000 -l $secs (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    mark "$(pid_of $who)"
    dnsperf_dot $who "$name" "$secs" | grep -E "Queries sent|Queries completed|Queries lost|Response codes|Queries per second|Average Latency"
    used "$(pid_of $who)"
    [ "$count" = 1 ] && count_dot $who "$name"
  done; fi
  has doh || continue
  for who in sprout dnsdist; do
    [ $who = sprout ] && p=$s_doh || p=$d_doh
    echo "== DoH/2 $who $name: h2load -n 200000 -c 10 -m 32 -t 1 (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    mark "$(pid_of $who)"
    taskset -c 1 h2load -n 200000 -c 10 -m 32 -t 1 "https://127.0.0.1:$p/dns-query?dns=$(b64 "$name")" 2>&1 |
      grep -E "^finished in|^requests:|^status codes:"
    used "$(pid_of $who)"
  done
done

has handshakes && for who in sprout dnsdist; do
  [ $who = sprout ] && p=$s_dot || p=$d_dot
  echo "== new TLS handshakes $who: openssl s_time -new -time $secs (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  mark "$(pid_of $who)"
  taskset -c 1 openssl s_time -connect "127.0.0.1:$p" -new -time "$secs" 2>&1 | grep -E "connections in .* real|connections/user sec"
  used "$(pid_of $who)"
done

rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
idle() {  # idle KIND PROTOCOL: 1000 idle connections to each server, RSS delta
  has "$1" || return 0
  for who in sprout dnsdist; do
    case "$1.$who" in
      idle.sprout) p=$s_dot ;; idle.dnsdist) p=$d_dot ;; *.sprout) p=$s_doh ;; *) p=$d_doh ;;
    esac
    pid=$(pid_of $who)
    echo "== $1 $who (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    python3 "$here/idle-tls.py" 127.0.0.1 "$p" 1000 "$work/ca.pem" "$pid" "$(rss "$pid")" $2
  done
}
idle idle ""
idle idle-h2 h2
idle idle-http1 http/1.1
