#!/bin/sh
# Installs everything Sprout needs to build, run and test on Debian 12 (as root, or via sudo).
set -eu
PKGS="g++-12 cmake make pkg-config
  libboost-dev libc-ares-dev libyaml-cpp-dev libidn2-dev libcurl4-openssl-dev
  zlib1g-dev libsqlite3-dev libpq-dev postgresql catch2 tzdata ca-certificates
  dnsutils knot-dnsutils clang-14 procps curl libssl-dev openssl libnghttp2-dev nghttp2-client chromium fonts-dejavu-core libldns-dev ccache libcctz-dev nlohmann-json3-dev
  systemd debootstrap lintian dnsmasq-base iproute2"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
