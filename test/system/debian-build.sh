#!/usr/bin/env bash
# Builds the ddns .deb the way a Debian 13 builder would: the committed source
# (`git archive HEAD`) unpacked in a cached Debian 13 root that holds only
# build-essential and what `apt-get build-dep` installs for debian/control
# (debian-root.sh pkgbuild), then `dpkg-source -b` and `dpkg-buildpackage -us -uc`
# there without network; then lintian (pedantic) in a second root (debian-root.sh
# lint), since lintian is no build dependency.
#
#   test/system/debian-build.sh OUTDIR
#
# OUTDIR receives the .deb, .dsc, .tar.*, .buildinfo, .changes, build.log and
# lintian.log. Exit status: that of dpkg-buildpackage; lintian's verdict is in
# lintian.log and lintian.status (the test reads them). No root is ever written:
# each step runs on an overlay whose upper layer is a tmpfs dropped afterwards.
set -euo pipefail

out=$(realpath -m "${1:?usage: debian-build.sh OUTDIR}")
repo=$(cd "$(dirname "$0")/../.." && pwd)
root=$("$repo/test/system/debian-root.sh" pkgbuild)
lintroot=$("$repo/test/system/debian-root.sh" lint)
mkdir -p "$out"

work=$(mktemp -d /tmp/ddns-debbuild.XXXXXX)
cleanup() {
  for m in "$work/m" "$work/l"; do umount -R "$m" 2>/dev/null || true; done
  umount "$work" 2>/dev/null || true
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
mount -t tmpfs -o size=4g,mode=0755 tmpfs "$work"
# overlay NAME LOWER: a throw-away writable view of LOWER at $work/NAME.
overlay() {
  mkdir "$work/$1.u" "$work/$1.w" "$work/$1"
  mount -t overlay overlay -o "lowerdir=$2,upperdir=$work/$1.u,workdir=$work/$1.w" "$work/$1"
  mount -t proc proc "$work/$1/proc"
  mount --rbind /dev "$work/$1/dev"
  mount --make-rslave "$work/$1/dev"
  mount -t tmpfs tmpfs "$work/$1/tmp"
}
overlay m "$root"

# The committed tree only, as a source package would carry it.
mkdir -p "$work/m/build/ddns"
git -C "$repo" archive --format=tar HEAD | tar -x -C "$work/m/build/ddns"

# No network inside: the package build must not need one.
in_root() {
  local dir=$1; shift
  unshare --net chroot "$dir" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/nonexistent LANG=C.UTF-8 \
    DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-nocheck}" "$@"
}

t0=$SECONDS
status=0
# The source package too, so that lintian also checks debian/ as the archive would.
in_root "$work/m" sh -c 'cd /build && dpkg-source -b ddns && cd ddns && dpkg-buildpackage -us -uc' \
  >"$out/build.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  echo "debian-build.sh: dpkg-buildpackage failed ($status); last lines of $out/build.log:" >&2
  tail -n 30 "$out/build.log" >&2
  exit "$status"
fi
cp "$work/m/build"/ddns[_-]* "$out/"

t1=$SECONDS
overlay l "$lintroot"
mkdir -p "$work/l/build"
cp "$out"/ddns[_-]* "$work/l/build/"
chmod 755 "$work/l/build"
lintian_status=0
# lintian as nobody: it warns when run as root.
in_root "$work/l" setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp sh -c \
  'cd /build && lintian --pedantic --display-info --display-experimental --fail-on error,warning ddns_*.changes' \
  >"$out/lintian.log" 2>&1 || lintian_status=$?
echo "$lintian_status" >"$out/lintian.status"
echo "debian-build.sh: dpkg-buildpackage $((t1 - t0)) s, lintian $((SECONDS - t1)) s" >&2
ls "$out"/ddns_*.deb
