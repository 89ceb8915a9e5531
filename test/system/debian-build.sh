#!/usr/bin/env bash
# Builds the ddns .deb the way a Debian 13 builder would: a fresh `git clone` of
# this repository (committed state only) inside the cached Debian 13 build root,
# with this tree's node_modules copied in (see debian/README.source), then
# `dpkg-buildpackage -us -uc -b` and lintian (pedantic) there, without network.
#
#   test/system/debian-build.sh OUTDIR
#
# OUTDIR receives the .deb, .buildinfo, .changes, build.log and lintian.log.
# Exit status: that of dpkg-buildpackage; lintian's verdict is in lintian.log
# and lintian.status (the test reads them). The root is never written: the build
# runs on an overlay whose upper layer is a tmpfs that is dropped afterwards.
set -euo pipefail

out=$(realpath -m "${1:?usage: debian-build.sh OUTDIR}")
repo=$(cd "$(dirname "$0")/../.." && pwd)
root=$("$repo/test/system/debian-root.sh" build)
mkdir -p "$out"

work=$(mktemp -d /tmp/ddns-debbuild.XXXXXX)
cleanup() {
  umount -R "$work/m" 2>/dev/null || true
  umount "$work" 2>/dev/null || true
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
mount -t tmpfs -o size=4g,mode=0755 tmpfs "$work"
mkdir "$work/upper" "$work/work" "$work/m"
mount -t overlay overlay -o "lowerdir=$root,upperdir=$work/upper,workdir=$work/work" "$work/m"
mount -t proc proc "$work/m/proc"
mount --rbind /dev "$work/m/dev"
mount --make-rslave "$work/m/dev"
mount -t tmpfs tmpfs "$work/m/tmp"

src="$work/m/build/ddns"
mkdir -p "$work/m/build"
git clone -q --no-hardlinks "$repo" "$src"
if [ ! -d "$repo/node_modules" ]; then
  echo "debian-build.sh: $repo/node_modules is missing: run npm ci first" >&2
  exit 1
fi
cp -a "$repo/node_modules" "$src/node_modules"

in_root() {
  # No network inside: the package build must not need one.
  unshare --net chroot "$work/m" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-nocheck}" "$@"
}

t0=$SECONDS
status=0
# The source package too, so that lintian also checks debian/ as the archive would;
# node_modules and build output stay out of it (-I adds the default VCS excludes).
in_root sh -c 'cd /build && dpkg-source -I -Inode_modules -Ibuild -Idist -I.cache -b ddns && cd ddns && dpkg-buildpackage -us -uc -b' \
  >"$out/build.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  echo "debian-build.sh: dpkg-buildpackage failed ($status); last lines of $out/build.log:" >&2
  tail -n 30 "$out/build.log" >&2
  exit "$status"
fi

t1=$SECONDS
lintian_status=0
# lintian as nobody: it warns when run as root.
chmod 755 "$work/m/build"
in_root setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp sh -c \
  'cd /build && lintian --pedantic --display-info --display-experimental --fail-on error,warning ddns_*.dsc ddns_*.changes' \
  >"$out/lintian.log" 2>&1 || lintian_status=$?
echo "$lintian_status" >"$out/lintian.status"
echo "debian-build.sh: dpkg-buildpackage $((t1 - t0)) s, lintian $((SECONDS - t1)) s" >&2

cp "$work/m/build"/ddns_*.deb "$work/m/build"/ddns_*.changes "$work/m/build"/ddns_*.buildinfo "$work/m/build"/ddns_*.dsc "$out/"
ls "$out"/ddns_*.deb
