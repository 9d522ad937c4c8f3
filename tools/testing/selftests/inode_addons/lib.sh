# SPDX-License-Identifier: GPL-2.0
# Helpers for the in-guest tests; sourced by run_guest.sh.

STATS=/sys/kernel/debug/inode_addons/stats

# Containers alive now (allocated - freed), exact, from the crate's counters.
addons_live() {
	awk '$1 == "live" { print $2 }' "$STATS"
}

# live_delta_within BEFORE LO HI WHAT: the live container count, relative to
# BEFORE, is in [LO, HI]; prints it (with slabinfo) for the log.
live_delta_within() {
	local now d
	now=$(addons_live)
	d=$((now - $1))
	echo "$4: live containers $1 -> $now ($(slab_line))"
	[ $d -ge $2 ] && [ $d -le $3 ]
}

# The container cache's line of /proc/slabinfo: active and total objects.
slab_line() {
	awk '$1 == "inode_addons" {
		printf "slabinfo: %s active / %s objects", $2, $3
	}' /proc/slabinfo
}

# wait_for_match SECS ERE FILE [PID]: polls FILE until a line matches ERE,
# for SECS seconds at most, or until PID, the process expected to write it,
# has exited.  A fixed sleep is not enough on a loaded TCG guest.
wait_for_match() {
	local i
	for i in $(seq $(($1 * 10))); do
		grep -qE "$2" "$3" 2>/dev/null && return 0
		[ -z "${4-}" ] || kill -0 "$4" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# Evict unused inodes and wait until RCU-deferred frees have run: the live
# count stops changing.
settle() {
	local last=-1 now i
	sync
	for i in $(seq 20); do
		echo 3 > /proc/sys/vm/drop_caches
		sleep 0.3
		now=$( [ -r "$STATS" ] && addons_live || echo 0)
		[ "$now" = "$last" ] && return 0
		last=$now
	done
}

# with_image_fs SUITE FS DIR MKFS...: SUITE on a fresh FS made by MKFS on a
# loop image (sparse, on the guest's /tmp) mounted at DIR.
with_image_fs() {
	local suite=$1 fs=$2 dir=$3 img=$3.img
	shift 3
	mkdir -p "$dir"
	truncate -s 320M "$img"
	if "$@" "$img" >/dev/null && mount -o loop "$img" "$dir"; then
		"$suite" "$fs" "$dir"
		umount "$dir"
	else
		nok "$suite/$fs-setup" "cannot make or mount the $fs image"
	fi
	rm -f "$img"
}

# Runs SUITE FSNAME DIR on a fresh tmpfs, ext4, XFS and btrfs: the
# filesystems whose inode teardown differs (XFS recycles inodes and calls
# __destroy_inode() itself, btrfs has its own inode cache and eviction).
# TEST_FILESYSTEMS limits the list (e.g. "tmpfs ext4").
with_test_filesystems() {
	local suite=$1 base fs
	base=$(mktemp -d /tmp/addons.XXXXXX)
	for fs in ${TEST_FILESYSTEMS:-tmpfs ext4 xfs btrfs}; do
		case $fs in
		tmpfs)
			mkdir -p "$base/tmpfs"
			mount -t tmpfs addons-test "$base/tmpfs"
			"$suite" tmpfs "$base/tmpfs"
			umount "$base/tmpfs" ;;
		ext4)	with_image_fs "$suite" ext4 "$base/ext4" mkfs.ext4 -q -F ;;
		xfs)	with_image_fs "$suite" xfs "$base/xfs" mkfs.xfs -q -f ;;
		btrfs)	with_image_fs "$suite" btrfs "$base/btrfs" mkfs.btrfs -q -f ;;
		esac
	done
	rm -rf "$base"
}
