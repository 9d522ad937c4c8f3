#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Write a patch of the series from edits made in build/linux.
# Usage: mkpatch.sh NAME.patch "subject" "body" FILE...
# The base of each FILE is the pristine tree with the patches listed before
# NAME in patches/series applied (so a series can touch a file twice).
set -euo pipefail
. "$(dirname "$0")/env.sh"

name=$1 subject=$2 body=$3
shift 3
base=$BUILD_DIR/mkpatch-base
rm -rf "$base"
mkdir -p "$base"
for f in "$@"; do
	mkdir -p "$base/$(dirname "$f")"
	cp "$PRISTINE/$f" "$base/$f" 2>/dev/null || true
done
while read -r p; do
	case $p in ''|'#'*) continue ;; esac
	[ "$p" = "$name" ] && break
	# Apply only the hunks of earlier patches that touch these files.
	for f in "$@"; do
		if grep -q "^+++ b/$f\$" "$TOP/patches/$p"; then
			filterdiff -p1 -i "$f" "$TOP/patches/$p" | (cd "$base" && patch -p1 -s)
		fi
	done
done < "$TOP/patches/series"

{
	echo "From: $(git -C "$TOP" config user.name) <$(git -C "$TOP" config user.email)>"
	echo "Subject: [PATCH] $subject"
	echo
	echo "$body" | fold -s -w 72 | sed 's/ *$//'
	echo
	echo "Signed-off-by: $(git -C "$TOP" config user.name) <$(git -C "$TOP" config user.email)>"
	echo "---"
	for f in "$@"; do
		diff -uN --label "a/$f" --label "b/$f" "$base/$f" "$SRC/$f" || true
	done
} > "$TOP/patches/$name"
grep -qx "$name" "$TOP/patches/series" || echo "$name" >> "$TOP/patches/series"
# New files go under their patch in patches/series (indented), not here.
rm -rf "$base"
echo "patches/$name"
