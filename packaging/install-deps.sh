#!/bin/sh
# Installs everything Sprout needs to build, run and test on Debian 12 (as root, or via sudo).
set -eu
PKGS="g++-12 cmake make pkg-config
  libboost-dev libc-ares-dev libyaml-cpp-dev libidn2-dev libcurl4-openssl-dev
  zlib1g-dev libsqlite3-dev libpq-dev postgresql catch2 tzdata ca-certificates
  dnsutils knot-dnsutils clang-14 procps curl libssl-dev openssl libnghttp2-dev nghttp2-client chromium chromium-driver python3-selenium fonts-dejavu-core libldns-dev ccache libcctz-dev nlohmann-json3-dev
  systemd debootstrap lintian dnsmasq-base iproute2 python3
  knot nsd dnsdist dnsperf"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  $SUDO apt-get update -qq
  # knot and nsd are RPZ primaries for the zone-transfer tests, dnsdist the TLS-terminating
  # upstream of the DoT-upstream tests and the benchmarks' peer; the tests start their own on
  # loopback: the packaged services must neither start now nor stay enabled.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    policy=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
  if [ -n "$policy" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now knot.service nsd.service dnsdist.service >/dev/null 2>&1 || true
  fi
fi
