#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Produce the patched tree build/linux from the pristine 7.3.4 tree:
# the project's new files copied to their kernel paths, then the patches
# of patches/series applied in order.  The result is assembled in a staging tree first and
# only then synchronised into build/linux by content, so that
#  - a patch that fails leaves build/linux exactly as it was, and says so;
#  - files whose content did not change keep their timestamps, and the
#    next kernel build is incremental.
# Usage: apply.sh [N]   only the first N patches and the new files they
#                       introduce (for writing patches)
set -euo pipefail
. "$(dirname "$0")/env.sh"

upto=${1:-}
overlay_dirs=(arch block Documentation fs include init kernel lib mm net rust samples security tools)

[ -f "$PRISTINE/.complete" ] || die "no pristine tree at $PRISTINE: run 'make source'"

# One at a time: two make targets that both depend on 'source' (e.g. run
# in parallel) would otherwise share the staging tree and synchronise a
# half-made one into build/linux.
mkdir -p "$BUILD_DIR"
exec 9>"$BUILD_DIR/.apply.lock"
flock 9

# Everything the patched tree is made of, hashed: unchanged -> nothing to do.
cd "$TOP"
mapfile -t overlay < <(cd "$TOP" && git ls-files --cached --others --exclude-standard -- "${overlay_dirs[@]}" | sort)
# patches/series: a patch per line; the new files it introduces under it,
# indented.  Every overlay file must enter the series exactly once.
[ -f patches/series ] || die "no patches/series"
mapfile -t series < <(grep -E '^[^#[:space:]]' patches/series)
mapfile -t listed < <(awk '/^[^#[:space:]]/ { n++ } /^[ \t]+[^ \t]/ { print n, $1 }' patches/series)
unlisted=$(comm -23 <(printf '%s\n' "${overlay[@]}") <(printf '%s\n' "${listed[@]#* }" | sort))
missing=$(comm -13 <(printf '%s\n' "${overlay[@]}") <(printf '%s\n' "${listed[@]#* }" | sort))
dups=$(printf '%s\n' "${listed[@]#* }" | sort | uniq -d)
[ -z "$unlisted" ] || die "new files that no patch in patches/series introduces (list each under its patch, indented):"$'\n'"$unlisted"
[ -z "$missing" ] || die "patches/series lists files that do not exist:"$'\n'"$missing"
[ -z "$dups" ] || die "patches/series lists files under more than one patch:"$'\n'"$dups"
if [ -n "$upto" ]; then
	series=("${series[@]:0:$upto}")
	mapfile -t overlay < <(printf '%s\n' "${listed[@]}" | awk -v n="$upto" '$1 <= n { print $2 }' | sort)
fi
stamp=$( { echo "$KVER $upto"; printf '%s\n' "${series[@]}";
	   for f in "${overlay[@]}"; do [ -f "$f" ] && sha256sum "$f"; done;
	   for p in "${series[@]}"; do sha256sum "patches/$p"; done; } | sha256sum | cut -d' ' -f1)
if [ -f "$SRC/.inode-addons-stamp" ] && [ "$(cat "$SRC/.inode-addons-stamp")" = "$stamp" ]; then
	echo "$SRC"
	exit 0
fi

stage=$BUILD_DIR/stage
rm -rf "$stage"
mkdir -p "$BUILD_DIR"
cp -al "$PRISTINE" "$stage"
for f in "${overlay[@]}"; do
	[ -f "$f" ] || continue
	mkdir -p "$stage/$(dirname "$f")"
	rm -f "$stage/$f"		# never write through a hard link into the pristine tree
	cp "$f" "$stage/$f"
done
for p in "${series[@]}"; do
	[ -f "patches/$p" ] || die "patches/series names $p, which does not exist"
	grep -q '^+++ ' "patches/$p" || continue	# new files only
	if ! out=$(cd "$stage" && patch -p1 -s -f -N --no-backup-if-mismatch -r - < "$TOP/patches/$p" 2>&1); then
		echo "$out" >&2
		die "patch $p does not apply to Linux $KVER; $SRC was left as it was"
	fi
done
rm -f "$stage/.complete"

# Synchronise by content; --delete drops files that a patch or the overlay no longer adds.
mkdir -p "$SRC"
rsync -rlc --delete --exclude=/.inode-addons-stamp "$stage/" "$SRC/"
rm -rf "$stage"
echo "$stamp" > "$SRC/.inode-addons-stamp"
echo "$SRC"
