#!/usr/bin/env bash
# check-packages.sh: builds a snapshot release with goreleaser and checks
# what a user gets: the archives and checksums, and the .deb installed,
# run by an ordinary user, and removed without a trace. Needs root, dpkg,
# rpm, unzip and desktop-file-utils (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "check-packages: $*" >&2; exit 1; }

GOFLAGS= go run github.com/goreleaser/goreleaser/v2@v2.15.1 release --snapshot --clean >dist.log 2>&1 ||
  { cat dist.log; fail "goreleaser failed"; }
rm -f dist.log

(cd dist && sha256sum --quiet -c checksums.txt) || fail "checksums do not match"
for arch in amd64 arm64; do
  tgz=$(ls dist/bwtray_*_linux_${arch}.tar.gz)
  list=$(tar tzf "$tgz") # whole, not piped into grep -q (pipefail)
  for f in bwtray README.md LICENSE NOTICE licenses/github.com/shirou/gopsutil/v4/LICENSE licenses/github.com/golang/freetype/ftl.txt; do
    grep -qx "$f" <<<"$list" || fail "$tgz lacks $f"
  done
done
zip=$(ls dist/bwtray_*_windows_amd64.zip)
list=$(unzip -Z1 "$zip")
for f in bwtray.exe LICENSE licenses/git.sr.ht/~jackmordaunt/go-toast/LICENSE; do
  grep -qx "$f" <<<"$list" || fail "$zip lacks $f"
done

deb=$(ls dist/bwtray_*_amd64.deb)
rpm=$(ls dist/bwtray-*.x86_64.rpm)
list=$(rpm -qlp "$rpm" 2>/dev/null)
for f in /usr/bin/bwtray /usr/share/applications/bwtray.desktop /usr/share/icons/hicolor/256x256/apps/bwtray.png /usr/share/doc/bwtray/LICENSE; do
  grep -qx "$f" <<<"$list" || fail "$rpm lacks $f"
done

dpkg -i "$deb" >/dev/null
[ "$(command -v bwtray)" = /usr/bin/bwtray ] || fail "bwtray is not /usr/bin/bwtray"
version=$(bwtray --version)
echo "installed: $version"
case $version in *snapshot*) ;; *) fail "--version says $version, not the release's version" ;; esac
desktop-file-validate /usr/share/applications/bwtray.desktop || fail "the installed menu entry is not valid"
for s in 16 22 24 32 48 64 128 256; do
  [ -s /usr/share/icons/hicolor/${s}x${s}/apps/bwtray.png ] || fail "no ${s}px icon"
done

user=bwtray-check
id "$user" >/dev/null 2>&1 || useradd -m "$user"
out=$(runuser -l "$user" -c 'bwtray record --for 2s --all --json') || fail "record as $user failed"
echo "$out" | grep -q '"status": "completed"' || fail "record as $user: $out"
said=$(runuser -l "$user" -c 'bwtray install')
grep -q "nothing to do" <<<"$said" || fail "bwtray install does not say the package did it: $said"

files=$(dpkg -L bwtray)
dpkg -r bwtray >/dev/null
left=""
for f in $files; do
  # Folders the system shares (/usr/bin, the hicolor theme) stay.
  if [ -e "$f" ] && [ ! -d "$f" ]; then left="$left $f"; fi
  case $f in /usr/share/doc/bwtray*) [ -e "$f" ] && left="$left $f" ;; esac
done
[ -z "$left" ] || fail "left after dpkg -r:$left"
echo "check-packages: archives, checksums, rpm, and the .deb installed, run, validated and removed"
