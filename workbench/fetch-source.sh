#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch Debian's linux-source-7.3 and linux-config-7.3 at the pinned version,
# verify them, and unpack a pristine tree into the cache.  Nothing from the
# extra suite is ever installed: the suite is pinned to priority 50 and we
# only "apt-get download".
#
# Usage: fetch-source.sh CACHE_DIR
set -euo pipefail

cache=${1:?usage: fetch-source.sh CACHE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null
. "$here/../configs/source.env"

die() { echo "fetch-source: error: $*" >&2; exit 1; }
mkdir -p "$cache/debs"

pristine=$cache/linux-$KVER-pristine
if [ -f "$pristine/.complete" ]; then
	echo "$pristine"
	exit 0
fi

src_list=/etc/apt/sources.list.d/inode-addons-trixie-backports.sources
pin=/etc/apt/preferences.d/inode-addons-trixie-backports
if [ ! -f "$src_list" ]; then
	cat > "$src_list" <<EOS
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
	cat > "$pin" <<EOS
Package: *
Pin: release n=trixie-backports
Pin-Priority: 50
EOS
	apt-get update -qq || die "apt-get update with trixie-backports failed"
fi

fetch() { # package version sha256
	local deb
	deb=$(ls "$cache/debs/${1}_${2}_"*.deb 2>/dev/null | head -n1)
	if [ -z "$deb" ] || ! echo "$3  $deb" | sha256sum -c --quiet - >/dev/null 2>&1; then
		rm -f "$cache/debs/${1}_"*.deb
		dl() { (cd "$cache/debs" && apt-get download -qq -o APT::Sandbox::User=root "$1=$2"); }
		dl "$1" "$2" 2>/dev/null || { apt-get update -qq || true; dl "$1" "$2"; } || die \
"$1 version $2 is no longer in Debian's index.
  The project is pinned to Linux $KVER.  Check 'apt-cache policy $1' for what
  is offered now, then update KVER, DEB_VERSION and the checksums in
  configs/source.env and re-check patches/series against the new tree."
		deb=$(ls "$cache/debs/${1}_${2}_"*.deb | head -n1)
	fi
	echo "$3  $deb" | sha256sum -c --quiet - >&2 || die "checksum mismatch for $deb (expected $3)"
	echo "$deb"
}

src_deb=$(fetch linux-source-7.3 "$DEB_VERSION" "$SRC_SHA256")
cfg_deb=$(fetch linux-config-7.3 "$DEB_VERSION" "$CFG_SHA256")

tmp=$cache/unpack.$$
rm -rf "$tmp" "$pristine"
mkdir -p "$tmp"
dpkg -x "$src_deb" "$tmp/src"
dpkg -x "$cfg_deb" "$tmp/cfg"
tar -C "$tmp" -xf "$tmp/src/usr/src/linux-source-7.3.tar.xz"
mv "$tmp/linux-source-7.3" "$pristine"
xz -dc "$tmp/cfg/usr/src/linux-config-7.3/config.amd64_none_amd64.xz" > "$cache/debian-amd64.config"
rm -rf "$tmp"
touch "$pristine/.complete"
echo "$pristine"
