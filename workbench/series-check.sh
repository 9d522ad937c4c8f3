#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make series-check: build the tree after each patch of the series, with
# CONFIG_INODE_ADDONS=y and =n, incrementally (one work tree that git
# checkout moves from commit to commit, so that only what a patch touches
# is rebuilt; ccache for the rest).  The configuration is allnoconfig with
# configs/series-check.config (every path of the series, no driver and none
# of the debugging options that slow the build), merged again at every commit,
# so that options a patch introduces take the value the fragment asks for.
# Prints one line per patch; exits non-zero if any build failed.
# Needs 'make series' first (the history in build/series-git).
# SERIES_CHECK_FROM=N starts at patch N (a run stopped part way, resumed on
# the same series); the logs of the earlier patches are kept.
set -euo pipefail
. "$(dirname "$0")/env.sh"

repo=$BUILD_DIR/series-git
tree=$BUILD_DIR/series-src
logs=$BUILD_DIR/series-check
g() { git -C "$repo" "$@"; }

g rev-parse -q --verify refs/heads/inode_addons >/dev/null ||
	die "no series history in $repo: run 'make series' first"
mapfile -t commits < <(g rev-list --reverse "v$KVER..inode_addons")
[ "${#commits[@]}" -gt 0 ] || die "the series in $repo is empty"
if [ ! -d "$tree/.git" ] && [ ! -f "$tree/.git" ]; then
	rm -rf "$tree"
	g worktree prune
	g worktree add -q --detach "$tree" "v$KVER"
fi
from=${SERIES_CHECK_FROM:-1}
[[ $from =~ ^[1-9][0-9]*$ ]] && [ "$from" -le "${#commits[@]}" ] ||
	die "SERIES_CHECK_FROM=$from: not a patch number of this series (1-${#commits[@]})"
[ "$from" = 1 ] && rm -rf "$logs"
mkdir -p "$logs"

variants=(${SERIES_VARIANTS:-y n})
failed=0
start=$(date +%s)
printf '%-4s %-64s %s\n' "#" "subject" "$(printf '%-14s' "${variants[@]/%/ build}")"
for i in "${!commits[@]}"; do
	[ $((i + 1)) -ge "$from" ] || continue
	c=${commits[$i]}
	n=$(printf %04d $((i + 1)))
	git -C "$tree" checkout -q --detach "$c"
	line=$(printf '%-4s %-64.64s' "$n" "$(g log -1 --format=%s "$c")")
	for v in "${variants[@]}"; do
		t0=$(date +%s)
		rm -f "$BUILD_DIR/out-$v-series/.config-stamp"	# merge the fragment again
		if SRC_TREE=$tree OUT_SUFFIX=-series CONFIG_FRAGMENT=$TOP/configs/series-check.config \
			BASE_TARGET=allnoconfig \
			REQUIRE="CONFIG_RUST CONFIG_BPF_SYSCALL CONFIG_BPF_LSM" REQUIRE_ADDONS=0 \
			bash "$TOP/workbench/build.sh" "$v" >"$logs/$n-$v.log" 2>&1; then
			r="ok $(($(date +%s) - t0))s"
		else
			r="FAILED"
			failed=$((failed + 1))
		fi
		# With =y, from the patch that adds it on, the container must be in.
		if [ "$v" = y ] && grep -q '^config INODE_ADDONS$' "$tree/rust/inode_addons/Kconfig" 2>/dev/null &&
		   ! grep -q '^CONFIG_INODE_ADDONS=y' "$BUILD_DIR/out-y-series/.config"; then
			r="FAILED (CONFIG_INODE_ADDONS not y)"
			failed=$((failed + 1))
		fi
		if [ "$v" = n ] && grep -q '^CONFIG_INODE_ADDONS=y' "$BUILD_DIR/out-n-series/.config"; then
			r="FAILED (CONFIG_INODE_ADDONS=y)"
			failed=$((failed + 1))
		fi
		line+=$(printf '  %-14s' "$v $r")
	done
	echo "$line"
done
echo "series-check: patches $from-${#commits[@]} of ${#commits[@]} x ${#variants[@]} configurations, $failed failed, $(($(date +%s) - start)) s; logs in $logs"
[ "$failed" = 0 ]
