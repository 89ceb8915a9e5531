#!/usr/bin/env bash
# Builds a source package with the real sbuild, as Debian's buildds do
# (--chroot-mode=unshare, -B: --arch-any --no-arch-all --no-source), offline, in the
# cached Debian 13 build root (debian-root.sh pkgbuild, packed as sbuild's chroot
# tarball), and compares its .debs with those of an earlier build byte for byte.
#
#   test/system/debian-sbuild.sh DSC DEBDIR OUTDIR
#
# DEBDIR holds the .debs to compare with (debian-build.sh's OUTDIR); OUTDIR receives
# sbuild's files and sbuild.log. Exit status 0 only if sbuild succeeded and every
# .deb it built equals DEBDIR's. Needs root and the host packages sbuild and uidmap.
# It changes this machine: sbuild's unshare mode runs as an ordinary user with
# subordinate ids, so a system user ddns-sbuild (subuids/subgids 3000000-3065535)
# is created if missing. sbuild 0.85 (Debian 12) installs fakeroot into every build
# chroot: its two .debs come from the shared .deb cache (downloaded once, while the
# network is there). The build itself runs in a network namespace of its own.
set -euo pipefail

dsc=$(realpath "${1:?usage: debian-sbuild.sh DSC DEBDIR OUTDIR}")
debs=$(realpath "${2:?usage: debian-sbuild.sh DSC DEBDIR OUTDIR}")
out=$(realpath -m "${3:?usage: debian-sbuild.sh DSC DEBDIR OUTDIR}")
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${DDNS_TEST_CACHE:-/var/cache/ddns-test}
root=$("$repo/test/system/debian-root.sh" pkgbuild)
if ! command -v sbuild >/dev/null || ! command -v newuidmap >/dev/null; then
  echo "debian-sbuild.sh: needs sbuild and uidmap" >&2
  exit 2
fi

user=ddns-sbuild
if ! getent passwd "$user" >/dev/null; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
fi
grep -q "^$user:" /etc/subuid || usermod --add-subuids 3000000-3065535 "$user"
grep -q "^$user:" /etc/subgid || usermod --add-subgids 3000000-3065535 "$user"

# sbuild's chroot: the build root as a tarball, remade when the root is newer.
tarball="$root.sbuild.tar"
if [ ! -f "$tarball" ] || [ "$root/.ddns-test-recipe" -nt "$tarball" ]; then
  tar --numeric-owner --exclude='./proc/*' --exclude='./sys/*' --exclude='./dev/*' -C "$root" -cf "$tarball.tmp.$$" .
  mv "$tarball.tmp.$$" "$tarball"
fi
chmod 0644 "$tarball"

# fakeroot for sbuild's core dependencies, as the root's apt lists name it (read, not
# asked of apt: the cached root is never written).
mirror=$(sed -n 's/^URIs:[[:space:]]*//p' "$root/etc/apt/sources.list.d/debian.sources" | head -n 1)
extra=()
for p in libfakeroot fakeroot; do
  file=$(awk -v p="$p" '/^Package: / { ok = ($2 == p) } ok && /^Filename: / { print $2 }' "$root"/var/lib/apt/lists/*_main_binary-"$(dpkg --print-architecture)"_Packages | sort -V | tail -n 1)
  [ -n "$file" ] || { echo "debian-sbuild.sh: $p is not in the root's apt lists" >&2; exit 1; }
  deb=$cache/apt-archives/$(basename "$file")
  if [ ! -f "$deb" ]; then
    curl -fsSL -o "$deb.tmp.$$" "${mirror%/}/$file"
    mv "$deb.tmp.$$" "$deb"
  fi
  extra+=("--extra-package=$deb")
done

work=$(mktemp -d /tmp/ddns-sbuild.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$dsc" "$(dirname "$dsc")"/"$(sed -n 's/^ [0-9a-f]\{64\} [0-9]* //p' "$dsc" | head -n 1)" "$work/"
mkdir "$work/out" "$work/home"
chown -R "$user" "$work/out" "$work/home"
chmod -R a+rX "$work"
status=0
(cd "$work/out" && unshare --net runuser -u "$user" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$work/home" \
  sbuild --chroot-mode=unshare --chroot="$tarball" --dist=trixie --arch-any --no-arch-all --no-source \
  --no-apt-update --no-apt-upgrade --no-apt-distupgrade --no-run-lintian --no-run-autopkgtest --no-run-piuparts \
  --bd-uninstallable-explainer= "${extra[@]}" "$work/$(basename "$dsc")") >"$work/sbuild.log" 2>&1 || status=$?
mkdir -p "$out"
cp "$work/sbuild.log" "$out/"
find "$work/out" -maxdepth 1 -type f -exec cp -t "$out/" {} +
if [ "$status" -ne 0 ]; then
  echo "debian-sbuild.sh: sbuild failed ($status); last lines:" >&2
  tail -n 30 "$out"/*.build 2>/dev/null | tail -n 30 >&2 || tail -n 30 "$out/sbuild.log" >&2
  exit "$status"
fi
same=0
n=0
for d in "$out"/*.deb; do
  n=$((n + 1))
  b=$(basename "$d")
  (cd "$out" && sha256sum "$b"; cd "$debs" && sha256sum "$b") | sed 's/^/debian-sbuild.sh: /' >&2
  cmp -s "$d" "$debs/$b" || { echo "debian-sbuild.sh: $b differs from $debs/$b" >&2; same=1; }
done
[ "$n" -gt 0 ] || { echo "debian-sbuild.sh: sbuild built no .deb" >&2; exit 1; }
exit "$same"
