#!/bin/sh
# Installs the .deb into a fresh Debian 12 root and shows it protects: builds the package
# (cpack -G DEB; lintian must report no error), makes a root with debootstrap from the
# Debian mirror, `apt-get install ./sproutdns_*.deb` there, checks the user, files,
# permissions and conffile, starts sproutdns as the unit would (user sprout, only
# CAP_NET_BIND_SERVICE, NoNewPrivileges, READY=1 over $NOTIFY_SOCKET) in a network namespace
# with no way out, queries it with dig (adult names blocked from the bundled snapshot),
# reloads it with SIGHUP, then checks remove (config and state kept) and purge (deleted).
#
#   packaging/test-install.sh [--deb FILE] [--mirror URL] [--keep]
#
# Needs root, debootstrap, lintian, dig, curl, python3 and the Debian mirror (minutes; not
# part of tests/run-all.sh, see packaging/README.md).
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
deb=""
mirror=http://deb.debian.org/debian
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --deb) deb=$2; shift 2 ;;
    --mirror) mirror=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--deb FILE] [--mirror URL] [--keep]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "$0: needs root (debootstrap, chroot)" >&2; exit 2; }

step() { printf '\n== %s (%ss)\n' "$1" "$(($(date +%s) - t0))"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
t0=$(date +%s)

work=$(mktemp -d /var/tmp/sprout-install.XXXXXX)
root=$work/root
server_pid=""
ns_pid=""
notify_pid=""
cleanup() {
  # sproutdns first: unshare --fork does not pass SIGTERM on to the process it forked.
  [ -z "$ns_pid" ] || kill "$ns_pid" 2>/dev/null || true
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  [ -z "$notify_pid" ] || kill "$notify_pid" 2>/dev/null || true
  if [ "$keep" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

if [ -z "$deb" ]; then
  step "building the package"
  launcher=""
  command -v ccache >/dev/null && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache"
  # shellcheck disable=SC2086
  cmake -S "$src" -B "$src/build-pkg" -DCMAKE_BUILD_TYPE=Release -DSPROUT_TESTS=OFF $launcher >/dev/null
  cmake --build "$src/build-pkg" -j"$(nproc)" >/dev/null
  (cd "$src/build-pkg" && cpack -G DEB >/dev/null)
  deb=$(ls -t "$src"/build-pkg/sproutdns_*.deb | head -1)
fi
echo "package: $deb ($(wc -c <"$deb") bytes)"

step "lintian"
lintian --fail-on error --no-tag-display-limit "$deb" || fail "lintian reports errors"
pass "lintian: no errors"

step "debootstrap bookworm (minbase) from $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log"; fail "debootstrap"; }
cp "$deb" "$root/tmp/sproutdns.deb"

step "apt-get install ./sproutdns.deb"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
in_root apt-get update -qq
in_root apt-get install -y -qq --no-install-recommends /tmp/sproutdns.deb >"$work/apt.log" 2>&1 ||
  { tail -30 "$work/apt.log"; fail "apt-get install"; }
pass "installed"

step "user, files, permissions"
user=$(in_root getent passwd sprout) || fail "no sprout user"
uid=$(echo "$user" | cut -d: -f3)
[ "$uid" -lt 1000 ] || fail "sprout is not a system user: $user"
case "$user" in *nologin*|*/bin/false*) ;; *) fail "sprout has a login shell: $user" ;; esac
pass "user: $user"
check_stat() {  # path, expected "mode owner:group"
  got=$(in_root stat -c '%a %U:%G' "$1") || fail "$1 missing"
  [ "$got" = "$2" ] || fail "$1 is $got, want $2"
  pass "$1: $got"
}
check_stat /var/lib/sprout "750 sprout:sprout"
check_stat /etc/sprout/sprout.yaml "640 root:sprout"
check_stat /usr/bin/sproutdns "755 root:root"
check_stat /lib/systemd/system/sproutdns.service "644 root:root"
in_root dpkg-query -W -f='${Conffiles}\n' sproutdns | grep -q '/etc/sprout/sprout.yaml' || fail "sprout.yaml is not a conffile"
pass "/etc/sprout/sprout.yaml is a conffile"
[ -L "$root/etc/systemd/system/multi-user.target.wants/sproutdns.service" ] || fail "unit not enabled"
pass "unit enabled (multi-user.target.wants)"
in_root sproutdns check-config /etc/sprout/sprout.yaml >/dev/null || fail "the packaged config does not load"
pass "packaged config: check-config ok"

step "start as the unit would, without network"
unit=$root/lib/systemd/system/sproutdns.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
unit_user=$(sed -n 's/^User=//p' "$unit")
caps=$(sed -n 's/^AmbientCapabilities=//p' "$unit" | tr 'A-Z' 'a-z' | sed 's/cap_//g')
[ "$unit_user" = sprout ] && [ "$caps" = net_bind_service ] || fail "unit: User=$unit_user AmbientCapabilities=$caps"
grep -q '^NoNewPrivileges=yes' "$unit" || fail "unit: NoNewPrivileges"
grep -q '^Type=notify' "$unit" || fail "unit: Type=notify"
mkdir -p "$root/run/sprout-test"
# The service manager's side of sd_notify: every datagram, one per line.
python3 - "$root/run/sprout-test/notify" "$work/notify.log" <<'EOF' &
import socket, sys
import os
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)  # the service runs as sprout: it must be able to send
s.settimeout(180)
with open(sys.argv[2], "a", buffering=1) as log:
    try:
        while True:
            log.write(s.recv(4096).decode().replace("\n", " ") + "\n")
    except socket.timeout:
        pass
EOF
notify_pid=$!
waited=0
until [ -S "$root/run/sprout-test/notify" ]; do  # bound before the service may send READY
  waited=$((waited + 1))
  [ $waited -lt 300 ] || fail "notify listener did not start"
  sleep 0.1
done
# A network namespace with only loopback: no upstream, no list download can succeed.
cat >"$work/inner.sh" <<EOF
set -eu
ip link set lo up
exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin NOTIFY_SOCKET=/run/sprout-test/notify \
  WATCHDOG_USEC=4000000 \
  setpriv --reuid=$unit_user --regid=$unit_user --init-groups --no-new-privs \
  --inh-caps=-all,+$caps --ambient-caps=-all,+$caps --bounding-set=-all,+$caps $exec_start
EOF
unshare --net --fork sh "$work/inner.sh" >"$work/serve.log" 2>&1 &
server_pid=$!
waited=0
until ns_pid=$(pgrep -P "$server_pid" | head -1) && [ -n "$ns_pid" ]; do  # unshare --fork's child
  waited=$((waited + 1))
  [ $waited -lt 100 ] || fail "unshare did not start its child"
  sleep 0.1
done
in_ns() { nsenter --net="/proc/$ns_pid/ns/net" "$@"; }
waited=0
until grep -q 'READY=1' "$work/notify.log" 2>/dev/null; do
  waited=$((waited + 1))
  [ $waited -lt 600 ] || { cat "$work/serve.log"; fail "no READY=1 within 60 s"; }
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log"; fail "sproutdns exited"; }
  sleep 0.1
done
pass "READY=1 received (notify: $(head -1 "$work/notify.log"))"
sprout_pid=$ns_pid  # inner.sh execs chroot, env, setpriv and then sproutdns in that process
[ "$(cat "/proc/$sprout_pid/comm")" = sproutdns ] || fail "process $sprout_pid is $(cat "/proc/$sprout_pid/comm")"
status=/proc/$sprout_pid/status
grep -q "^Uid:[[:space:]]*$uid[[:space:]]" "$status" || fail "not running as uid $uid: $(grep ^Uid "$status")"
grep -q '^CapEff:[[:space:]]*0000000000000400$' "$status" || fail "capabilities: $(grep ^Cap "$status" | tr '\n' ' ')"
grep -q '^NoNewPrivs:[[:space:]]*1$' "$status" || fail "NoNewPrivs not set"
pass "running as sprout (uid $uid), effective capabilities: CAP_NET_BIND_SERVICE only, NoNewPrivs"

blocked() {  # name: NXDOMAIN with EDE 15 from Sprout itself
  out=$(in_ns dig +time=3 +tries=1 @127.0.0.1 -p 53 "$1" A) || fail "dig $1: $out"
  echo "$out" | grep -q 'status: NXDOMAIN' || fail "$1 not blocked: $out"
  echo "$out" | grep -q 'EDE: 15' || fail "$1: no EDE 15: $out"
}
blocked pornhub.com
blocked www.xvideos.com
pass "dig pornhub.com, www.xvideos.com: NXDOMAIN + EDE 15 (adult, bundled snapshot, no network)"
lists=$(in_ns chroot "$root" setpriv --reuid=sprout --regid=sprout --init-groups sproutdns lists --config /etc/sprout/sprout.yaml)
echo "$lists" | grep -E '^blp-porn +adult +bundled 20[0-9]{2}-[0-9]{2}-[0-9]{2}' >/dev/null || fail "lists: $lists"
pass "sproutdns lists: $(echo "$lists" | grep '^blp-porn' | awk '{print $3, $4, $5}')"
waited=0
until health=$(in_ns curl -sf http://127.0.0.1:8053/health); do
  waited=$((waited + 1))
  [ $waited -lt 600 ] || fail "/health not ok within 60 s"
  sleep 0.1
done
echo "$health" | grep -q 'blp-porn: bundled snapshot of' || fail "/health: $health"
pass "/health: $(echo "$health" | sed -n 2p)"
grep -q 'serving the bundled snapshot' "$work/serve.log" || fail "no bundled-snapshot warning in the log"
pass "log: $(grep -m1 'serving the bundled snapshot' "$work/serve.log")"
grep -q 'WATCHDOG=1' "$work/notify.log" || fail "watchdog not fed"
pass "watchdog fed by the workers"

step "systemctl reload (SIGHUP, as ExecReload)"
kill -HUP "$sprout_pid"
waited=0
until grep -q 'reloaded /etc/sprout/sprout.yaml' "$work/serve.log"; do
  waited=$((waited + 1))
  [ $waited -lt 300 ] || { cat "$work/serve.log"; fail "no reload within 30 s"; }
  sleep 0.1
done
blocked pornhub.com
kill -0 "$sprout_pid" || fail "sproutdns died on reload"
pass "reloaded, still blocking: $(grep -m1 'reloaded /etc' "$work/serve.log")"
kill -TERM "$sprout_pid"
wait "$server_pid" || true
server_pid=""
ns_pid=""
kill "$notify_pid" 2>/dev/null || true
[ -f "$root/var/lib/sprout/lists/blp-porn.list" ] || fail "no seeded last-good copy in /var/lib/sprout/lists"
pass "seeded last-good copy: /var/lib/sprout/lists/blp-porn.list ($(in_root stat -c '%U:%G %a' /var/lib/sprout/lists/blp-porn.list))"

step "remove keeps config and state"
in_root apt-get remove -y -qq sproutdns >"$work/remove.log" 2>&1 || { cat "$work/remove.log"; fail "remove"; }
[ ! -e "$root/usr/bin/sproutdns" ] || fail "binary left after remove"
[ -f "$root/etc/sprout/sprout.yaml" ] && [ -d "$root/var/lib/sprout/lists" ] || fail "remove deleted config or state"
pass "removed; /etc/sprout/sprout.yaml and /var/lib/sprout kept"

step "purge deletes them"
in_root apt-get purge -y -qq sproutdns >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "purge"; }
[ ! -e "$root/etc/sprout" ] || fail "/etc/sprout left after purge: $(ls -la "$root/etc/sprout")"
[ ! -e "$root/var/lib/sprout" ] || fail "/var/lib/sprout left after purge"
[ ! -e "$root/etc/systemd/system/multi-user.target.wants/sproutdns.service" ] || fail "unit still enabled after purge"
in_root dpkg-query -W sproutdns >/dev/null 2>&1 && in_root dpkg -s sproutdns 2>/dev/null | grep -q 'Status: install' && fail "still installed"
pass "purged: /etc/sprout, /var/lib/sprout and the enablement gone (the system user stays)"

step "all checks passed"
