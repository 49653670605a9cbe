#!/bin/sh
# Fails unless `systemd-analyze security --offline=true UNIT` rates the unit's exposure at
# most MAX (e.g. 1.5; the scale is 0.0 safest to 10.0). A ctest runs it on
# packaging/sproutdns.service; --offline reads the file alone, no running systemd needed.
#   packaging/check-unit-exposure.sh UNIT MAX
set -eu
[ $# -eq 2 ] || { echo "usage: $0 UNIT MAX" >&2; exit 2; }
out=$(systemd-analyze security --offline=true --no-pager "$1" 2>&1) || true
level=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for .*: \([0-9][0-9.]*\) .*/\1/p' | tail -1)
[ -n "$level" ] || { printf '%s\n' "$out" >&2; echo "no exposure level in the output above" >&2; exit 1; }
printf '%s\n' "$out" | grep '✗' || true
if awk -v a="$level" -v b="$2" 'BEGIN { exit !(a <= b) }'; then
  echo "exposure $level <= $2: ok"
else
  echo "exposure $level > $2: too exposed" >&2
  exit 1
fi
