#!/usr/bin/env bash
# Prints the path of a cached minimal Debian 13 (trixie) root, building it first if
# it is missing or was made from an older recipe.
#
#   test/system/debian-root.sh install   # minbase + systemd + man-db: the "clean system"
#   test/system/debian-root.sh build     # minbase + what dpkg-buildpackage and lintian need
#   test/system/debian-root.sh netd      # minbase + NetworkManager, networkd-dispatcher, dnsmasq, radvd, nodejs
#   test/system/debian-root.sh pkgbuild  # minbase + build-essential + apt-get build-dep (debian/control)
#   test/system/debian-root.sh lint      # minbase + lintian
#
# Roots live outside git in $DDNS_TEST_CACHE (default /var/cache/ddns-test) and are
# never written by a test: tests mount an overlay (tmpfs-backed upper) on top.
# The mirror is the Debian mirror configured in this machine's own apt sources.
# Downloaded .debs are kept in $DDNS_TEST_CACHE/apt-archives so warm runs need
# the mirror only for the package lists apt already has.
set -euo pipefail

kind=${1:?usage: debian-root.sh install|build|netd|pkgbuild|lint}
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
  # What a Debian builder's chroot holds: build-essential and what `apt-get build-dep`
  # installs for debian/control's Build-Depends, nothing else (no npm, no git, no
  # lintian): test/system/debian-build.sh builds the package in it. Keyed by the
  # Build-Depends field, so that a change makes a new root (and branches with
  # different Build-Depends do not rebuild each other's).
  pkgbuild)
    control="$(cd "$(dirname "$0")/../.." && pwd)/debian/control"
    builddeps=$(awk '/^Build-Depends/ { f = 1; print; next } f && /^[ \t]/ { print; next } { f = 0 }' "$control")
    include="build-essential" ;;
  # lintian alone, to check what pkgbuild built (lintian is no build dependency).
  lint) include="lintian" ;;
  *) echo "debian-root.sh: unknown kind '$kind' (install|build|netd|pkgbuild|lint)" >&2; exit 2 ;;
esac

recipe="v2 $suite minbase $include"
root="$cache/$suite-$kind"
if [ "$kind" = pkgbuild ]; then
  # shellcheck disable=SC2116,SC2086 # echo without quotes folds the field onto one line
  recipe="v3 $suite minbase $include build-dep: $(echo $builddeps)"
  root="$cache/$suite-pkgbuild-$(printf '%s' "$recipe" | sha256sum | cut -c1-12)"
fi
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
# apt-get in the root. The archive cache is shared with other roots and suites; while
# another apt holds its lock, wait (up to 10 minutes) instead of failing.
apt_in_root() {
  local deadline=$((SECONDS + 600)) out
  while :; do
    out=$(DEBIAN_FRONTEND=noninteractive chroot "$tmp" apt-get "$@" 2>&1) && { echo "$out" >>"$log"; return 0; }
    echo "$out" >>"$log"
    grep -q "Could not get lock" <<<"$out" && [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 5
  done
}
# shellcheck disable=SC2086 # $include is a list of package names
apt_in_root install -y -q --no-install-recommends $include || fail "apt-get install $include"
if [ "$kind" = pkgbuild ]; then
  # apt-get build-dep reads the source tree's debian/control (and changelog).
  mkdir -p "$tmp/tmp/ddns-build-dep/debian"
  cp "$control" "$(dirname "$control")/changelog" "$tmp/tmp/ddns-build-dep/debian/"
  apt_in_root build-dep -y -q --no-install-recommends /tmp/ddns-build-dep || fail "apt-get build-dep"
  rm -rf "$tmp/tmp/ddns-build-dep"
fi
umount "$tmp/var/cache/apt/archives" "$tmp/proc"
rm -f "$tmp/usr/sbin/policy-rc.d"
echo "ddns-test" >"$tmp/etc/hostname"
echo "$recipe" >"$tmp/.ddns-test-recipe"
rm -rf "$root"
mv "$tmp" "$root"
trap - EXIT
echo "debian-root.sh: built $root in $(($(date +%s) - start)) s" >&2
echo "$root"
