#!/bin/sh
# Builds the OCI image localhost/sproutdns without a registry: a Debian 12 root made by
# debootstrap from the Debian mirror, imported as the base image, then packaging/Containerfile
# (the .deb installed, user sprout, HEALTHCHECK on /health); then runs it and waits until the
# health check passes and a blocked name is answered NXDOMAIN. RUN steps use buildah's chroot
# isolation, so building needs no OCI runtime (running the image does).
#   packaging/build-container.sh DEB [--mirror URL]
# Needs root, debootstrap, podman, buildah and runc (Debian packages).
set -eu
[ $# -ge 1 ] || { echo "usage: $0 DEB [--mirror URL]" >&2; exit 2; }
deb=$1
mirror=${3:-http://deb.debian.org/debian}
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /var/tmp/sprout-container.XXXXXX)
trap 'rm -rf "$work"' EXIT
# vfs: no overlay mounts needed, so it also works inside another container. runc and cgroupfs:
# on a host with hybrid cgroups (v1 controllers plus the unified tree, as this project's CI
# machine) crun refuses to start ("cgroups in hybrid mode not supported, drop all controllers
# from cgroupv2"); and podman's default RLIMIT_NPROC/NOFILE for root fail there without
# CAP_SYS_RESOURCE ("setrlimit `RLIMIT_NPROC`: Operation not permitted"), hence --ulimit.
podman="podman --storage-driver vfs --runtime runc --cgroup-manager cgroupfs"

debootstrap --variant=minbase bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log"; exit 1; }
rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*
tar -C "$work/root" -c . | $podman import - localhost/sprout-debian-bookworm:latest
mkdir "$work/context"
cp "$deb" "$work/context/sproutdns.deb"
buildah --storage-driver vfs bud --isolation chroot --format docker -t localhost/sproutdns:latest \
  -f "$src/packaging/Containerfile" "$work/context"
$podman image inspect localhost/sproutdns:latest \
  --format 'image: {{.Size}} bytes, user {{.Config.User}}, ports {{.Config.ExposedPorts}}, healthcheck {{.HealthCheck.Test}}'

# Run it: DNS on a published high port, health check, one blocked name.
name=sprout-test-$$
$podman run -d --name "$name" --ulimit nofile=4096:4096 --ulimit nproc=1024:1024 -p 127.0.0.1:5453:53/udp \
  localhost/sproutdns:latest
trap '$podman rm -f "$name" >/dev/null 2>&1; rm -rf "$work"' EXIT
for i in $(seq 1 60); do
  $podman healthcheck run "$name" >/dev/null 2>&1 && break
  sleep 1
done
$podman healthcheck run "$name"
dig +time=2 +tries=3 @127.0.0.1 -p 5453 pornhub.com A | grep -q 'status: NXDOMAIN'
echo "container: healthy, pornhub.com NXDOMAIN"
