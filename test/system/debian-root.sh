#!/usr/bin/env bash
# Prints the path of a cached minimal Debian 13 (trixie) root, building it first if
# it is missing or was made from an older recipe.
#
#   test/system/debian-root.sh install   # minbase + systemd + man-db: the "clean system"
#   test/system/debian-root.sh build     # minbase + what dpkg-buildpackage and lintian need
#   test/system/debian-root.sh netd      # minbase + NetworkManager, networkd-dispatcher, dnsmasq, radvd, nodejs
#
# Roots live outside git in $DDNS_TEST_CACHE (default /var/cache/ddns-test) and are
# never written by a test: tests mount an overlay (tmpfs-backed upper) on top.
# The mirror is the Debian mirror configured in this machine's own apt sources.
# Downloaded .debs are kept in $DDNS_TEST_CACHE/apt-archives so warm runs need
# the mirror only for the package lists apt already has.
set -euo pipefail

kind=${1:?usage: debian-root.sh install|build|netd}
cache=${DDNS_TEST_CACHE:-/var/cache/ddns-test}
suite=trixie

case "$kind" in
  # systemd to boot, dbus so systemctl and logind behave as on a real host, man-db
  # for `man ddns`. Nothing that ddns itself depends on: apt must resolve that.
  install) include="systemd systemd-sysv dbus man-db" ;;
  # dpkg-checkbuilddeps wants build-essential; nodejs is the package's own Build-Depends.
  build) include="build-essential debhelper fakeroot nodejs lintian git" ;;
  # The real network daemons for test/system/netd.test.ts (systemd-networkd is part
  # of systemd); dnsmasq and radvd serve DHCP and router advertisements from a peer
  # namespace, run from this root so the host needs neither.
  netd) include="systemd systemd-sysv dbus network-manager networkd-dispatcher dnsmasq-base radvd nodejs iproute2" ;;
  *) echo "debian-root.sh: unknown kind '$kind' (install|build|netd)" >&2; exit 2 ;;
esac

recipe="v2 $suite minbase $include"
root="$cache/$suite-$kind"
stamp="$root/.ddns-test-recipe"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$recipe" ]; then
  echo "$root"
  exit 0
fi

# The first URI whose path is /debian in the machine's apt sources (deb822 or one-line).
mirror_from_apt_sources() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -n -e 's/^URIs:[[:space:]]*//p' -e 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?//p' "$f" |
      tr ' ' '\n' | grep -E '^https?://[^/]+/debian/?$' || true
  done | head -n 1
}
mirror=${DDNS_TEST_MIRROR:-$(mirror_from_apt_sources)}
if [ -z "$mirror" ]; then
  echo "debian-root.sh: no Debian mirror in /etc/apt/sources*; set DDNS_TEST_MIRROR" >&2
  exit 1
fi

mkdir -p "$cache/apt-archives"
tmp="$root.tmp.$$"
rm -rf --one-file-system "$tmp"
trap 'rm -rf --one-file-system "$tmp"' EXIT
start=$(date +%s)
log="$cache/debootstrap-$kind.log"
fail() {
  echo "debian-root.sh: $1 failed; last lines of $log:" >&2
  tail -n 20 "$log" >&2
  exit 1
}
# debootstrap's --include resolves dependencies poorly (a large set fails to
# configure); minbase first, then apt inside installs the rest.
debootstrap --variant=minbase --cache-dir="$cache/apt-archives" "$suite" "$tmp" "$mirror" >"$log" 2>&1 || fail debootstrap
# apt inside the root resolves from the same mirror, plus security updates.
cat >"$tmp/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
rm -f "$tmp/etc/apt/sources.list"
# A clean system keeps no apt lists from debootstrap; fetch them once, here.
cp /etc/resolv.conf "$tmp/etc/resolv.conf"
chroot "$tmp" apt-get update -q >>"$log" 2>&1 || fail "apt-get update"
# No service may start inside a chroot.
printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
chmod 755 "$tmp/usr/sbin/policy-rc.d"
mount -t proc proc "$tmp/proc"
mount --bind "$cache/apt-archives" "$tmp/var/cache/apt/archives"
trap 'umount "$tmp/var/cache/apt/archives" "$tmp/proc" 2>/dev/null; rm -rf --one-file-system "$tmp"' EXIT
# shellcheck disable=SC2086 # $include is a list of package names
DEBIAN_FRONTEND=noninteractive chroot "$tmp" apt-get install -y -q --no-install-recommends $include >>"$log" 2>&1 ||
  fail "apt-get install $include"
umount "$tmp/var/cache/apt/archives" "$tmp/proc"
rm -f "$tmp/usr/sbin/policy-rc.d"
echo "ddns-test" >"$tmp/etc/hostname"
echo "$recipe" >"$tmp/.ddns-test-recipe"
rm -rf "$root"
mv "$tmp" "$root"
trap - EXIT
echo "debian-root.sh: built $root in $(($(date +%s) - start)) s" >&2
echo "$root"
