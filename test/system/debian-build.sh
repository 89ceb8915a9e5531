#!/usr/bin/env bash
# Builds the ddns .deb the way Debian builds it: the committed source (`git archive
# HEAD`) in a cached Debian 13 root that holds only build-essential and what
# `apt-get build-dep` installs for debian/control (debian-root.sh pkgbuild), with no
# network (unshare --net):
#  1. the source package (dpkg-buildpackage -S), as a non-root user;
#  2. as Debian's buildds build it (sbuild, emulated: the sbuild user, not root,
#     HOME=/sbuild-nonexistent, LC_ALL=C.UTF-8, the .dsc unpacked by dpkg-source -x
#     in /build/reproducible-path, DEB_BUILD_OPTIONS=parallel=2 with the tests,
#     dpkg-buildpackage -us -uc -B, loopback up; then the arch-all targets, which
#     build nothing);
#  3. once more from the .dsc, varied as reprotest varies a build (another path and
#     depth, root, umask 002, TZ, LC_ALL=C, parallel=1, lo down, source and binaries);
# then compares the .debs of 2 and 3 byte for byte, and runs lintian (pedantic) on
# 3's .changes in a second root (debian-root.sh lint: lintian is no build dependency).
#
#   test/system/debian-build.sh OUTDIR
#
# OUTDIR receives the source package of 1, build 2's .debs, .buildinfo and .changes, build 3's files in
# OUTDIR/second, build.log, lintian.log and lintian.status (lintian's exit status),
# reproducible.log and reproducible.status (0: the .debs are identical). Exit status:
# that of the failed build, else 0. No root is ever written: each step runs on an
# overlay whose upper layer is a tmpfs dropped afterwards.
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

# The build user, as sbuild has one: not root, and a HOME that does not exist.
chroot "$work/m" useradd --system --no-create-home --home-dir /sbuild-nonexistent --shell /bin/sh sbuild
chroot "$work/m" chown -R sbuild:sbuild /build

# No network inside: the package build must not need one. env -i: nothing of this
# machine's environment leaks in; the caller adds what a builder sets.
in_root() {
  local dir=$1; shift
  unshare --net chroot "$dir" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
# The same with loopback up, as sbuild's network namespace has it (`ip link set lo
# up`; in_root leaves it down, as pbuilder does). The host's ip, before the chroot.
in_root_lo() {
  local dir=$1; shift
  unshare --net sh -c 'ip link set lo up && exec "$@"' sh chroot "$dir" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
# as_builder VARS... -- COMMAND...: as the sbuild user, the way Debian's buildds run
# dpkg-buildpackage (sbuild): HOME=/sbuild-nonexistent, LC_ALL=C.UTF-8, umask 022,
# DEB_BUILD_OPTIONS=parallel=N, the source in /build/reproducible-path, lo up.
as_builder() {
  in_root_lo "$work/m" setpriv --reuid=sbuild --regid=sbuild --init-groups \
    env HOME=/sbuild-nonexistent LC_ALL=C.UTF-8 USER=sbuild LOGNAME=sbuild "$@"
}

t0=$SECONDS
status=0
(
  set -x
  # 1. The source package, as its maintainer makes it (a native package: the
  #    tarball is the tree; debian/README.source says why).
  as_builder sh -c 'umask 022; cd /build/ddns && dpkg-buildpackage -S -us -uc' || exit $?
  # 2. The buildd: the .dsc unpacked where sbuild unpacks it, built for the host
  #    architecture (-B), with the tests (no nocheck), in parallel. Then the targets
  #    of an arch-all build (-A): every binary package is Architecture: any, so they
  #    must build nothing (dpkg-buildpackage -A itself stops at dpkg-genbuildinfo,
  #    "no binary artifacts found", as for any such package: the archive never
  #    schedules an arch-all build of it).
  as_builder sh -c 'umask 022; mkdir -p /build/reproducible-path && cd /build/reproducible-path &&
    dpkg-source -x /build/ddns_*.dsc ddns && cd ddns &&
    DEB_BUILD_OPTIONS=parallel=2 dpkg-buildpackage -us -uc -B &&
    debian/rules build-indep && debian/rules binary-indep && ! ls ../*_all.deb' || exit $?
  # 3. Again, varied as reprotest varies a build: another path (deeper, another
  #    name), another user (root), umask 002, another time zone and locale, no
  #    parallelism, loopback down, and the source package rebuilt too.
  in_root "$work/m" env HOME=/nonexistent-too LC_ALL=C TZ=Etc/GMT-14 sh -c 'umask 002;
    mkdir -p /build/second/a-deeper-dir && cd /build/second/a-deeper-dir &&
    dpkg-source -x /build/ddns_*.dsc ddns-0.1.0 && cd ddns-0.1.0 &&
    DEB_BUILD_OPTIONS=parallel=1 dpkg-buildpackage -us -uc' || exit $?
) >"$out/build.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  echo "debian-build.sh: a package build failed ($status); last lines of $out/build.log:" >&2
  tail -n 30 "$out/build.log" >&2
  exit "$status"
fi
# The buildd's build is the one installed; the second one is compared with it and
# lintian checks it (its .changes carries the source package too).
mkdir -p "$out/second"
find "$work/m/build" -maxdepth 1 -type f -name 'ddns_*' -exec cp -t "$out/" {} +
find "$work/m/build/reproducible-path" -maxdepth 1 -type f -name 'ddns[_-]*' -exec cp -t "$out/" {} +
find "$work/m/build/second/a-deeper-dir" -maxdepth 1 -type f -name 'ddns[_-]*' -exec cp -t "$out/second/" {} +

# Reproducible: the same .debs, byte for byte (reproducible.log: the digests of
# both builds' .debs; on a difference, what differs inside).
repro=0
for d in "$out"/ddns[_-]*.deb; do
  b=$(basename "$d")
  (cd "$out" && sha256sum "$b" "second/$b") >>"$out/reproducible.log"
  if ! cmp -s "$d" "$out/second/$b"; then
    repro=1
    echo "debian-build.sh: $b differs between the two builds" >&2
    for n in 1 2; do
      f=$d; [ "$n" = 2 ] && f=$out/second/$b
      mkdir -p "$work/x$n" && dpkg-deb -R "$f" "$work/x$n/$b"
      dpkg-deb -c "$f" | sed 's/  */ /g' >"$work/x$n/$b.list"
      (cd "$work/x$n/$b" && find . -type f -exec sha256sum {} + | sort -k2) >"$work/x$n/$b.sums"
    done
    diff "$work/x1/$b.list" "$work/x2/$b.list" | tee -a "$out/reproducible.log" >&2 || true
    diff "$work/x1/$b.sums" "$work/x2/$b.sums" | tee -a "$out/reproducible.log" >&2 || true
  fi
done
echo "$repro" >"$out/reproducible.status"
t1=$SECONDS
overlay l "$lintroot"
mkdir -p "$work/l/build"
cp "$out"/second/ddns[_-]* "$work/l/build/"
chmod 755 "$work/l/build"
lintian_status=0
# lintian as nobody: it warns when run as root.
in_root "$work/l" setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp LC_ALL=C.UTF-8 sh -c \
  'cd /build && lintian --pedantic --display-info --display-experimental --fail-on error,warning ddns_*.changes' \
  >"$out/lintian.log" 2>&1 || lintian_status=$?
echo "$lintian_status" >"$out/lintian.status"
echo "debian-build.sh: dpkg-buildpackage $((t1 - t0)) s, lintian $((SECONDS - t1)) s" >&2
ls "$out"/ddns_*.deb
