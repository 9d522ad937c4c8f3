# SPDX-License-Identifier: GPL-2.0
# Helpers for the in-guest tests; sourced by run_guest.sh.

STATS=/sys/kernel/debug/inode_addons/stats

# Most guest time under TCG goes to fork and exec (seconds each on the
# debug kernel), so the helpers below use bash builtins only.

# snooze SECS: sleep(1) without an exec: a read that times out on a FIFO
# that nobody writes (we hold it open read-write, so it never sees EOF).
SNOOZE_FIFO=${TMPDIR:-/tmp}/inode_addons-snooze.$$
mkfifo "$SNOOZE_FIFO"
exec {SNOOZE_FD}<>"$SNOOZE_FIFO"
rm -f "$SNOOZE_FIFO"
snooze() {
	read -r -t "$1" -u "$SNOOZE_FD" _ || :
}

# Containers alive now (allocated - freed), exact, from the crate's counters.
addons_live() {
	local k v
	while read -r k v _; do
		[ "$k" = live ] && { echo "$v"; return 0; }
	done < "$STATS"
	return 1
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
	local name active total
	while read -r name active total _; do
		[ "$name" = inode_addons ] || continue
		echo "slabinfo: $active active / $total objects"
		return 0
	done < /proc/slabinfo
}

# file_matches ERE FILE: a line of FILE matches ERE (grep -qE, builtins).
file_matches() {
	local line
	[ -r "$2" ] || return 1
	while IFS= read -r line || [ -n "$line" ]; do
		[[ $line =~ $1 ]] && return 0
	done < "$2"
	return 1
}

# wait_for_match SECS ERE FILE [PID]: polls FILE until a line matches ERE,
# for SECS seconds at most, or until PID, the process expected to write it,
# has exited.  A fixed sleep is not enough on a loaded TCG guest.
wait_for_match() {
	local end=$((SECONDS + $1))
	while :; do
		file_matches "$2" "$3" && return 0
		[ -z "${4-}" ] || kill -0 "$4" 2>/dev/null || file_matches "$2" "$3" || return 1
		[ $SECONDS -lt $end ] || return 1
		snooze 0.1
	done
}

# Evict unused inodes and wait until RCU-deferred frees have run: the live
# count stops changing.
settle() {
	local last=-1 now i
	sync
	for ((i = 0; i < 20; i++)); do
		echo 3 > /proc/sys/vm/drop_caches
		snooze 0.3
		now=$( [ -r "$STATS" ] && addons_live || echo 0)
		[ "$now" = "$last" ] && return 0
		last=$now
	done
}

# mount_test_fs FS DIR: mounts a fresh tmpfs, or the boot's FS image
# (ext4, xfs or btrfs: sparse, on the guest's /tmp), at DIR.  Each image is
# made once per boot (mkfs alone takes up to a minute under TCG) and
# mounted afresh by each user, which works in a directory of its own: each
# unmount still evicts every inode the user left.  run_guest.sh deletes
# the images.
mount_test_fs() {
	local fs=$1 dir=$2 img=${TMPDIR:-/tmp}/inode_addons-$1.img
	mkdir -p "$dir"
	if [ "$fs" = tmpfs ]; then
		mount -t tmpfs addons-test "$dir"
		return
	fi
	if [ ! -e "$img" ]; then
		truncate -s 320M "$img"
		case $fs in
		ext4)	mkfs.ext4 -q -F "$img" ;;
		*)	"mkfs.$fs" -q -f "$img" ;;
		esac >/dev/null || { rm -f "$img"; return 1; }
	fi
	mount -o loop "$img" "$dir"
}

# The filesystems the suites run on: tmpfs, ext4, XFS and btrfs, whose
# inode teardown differs (XFS recycles inodes and calls __destroy_inode()
# itself, btrfs has its own inode cache and eviction).  TEST_FILESYSTEMS
# limits the list (e.g. "tmpfs ext4").
ALL_TEST_FILESYSTEMS=${TEST_FILESYSTEMS:-tmpfs ext4 xfs btrfs}

# first_test_fs FS: FS is the first of them, where a suite checks what is
# the same code on every filesystem (each exec costs seconds under TCG).
first_test_fs() {
	[ "$1" = "${ALL_TEST_FILESYSTEMS%% *}" ]
}

# Runs SUITE FSNAME DIR on each of ALL_TEST_FILESYSTEMS (mount_test_fs),
# DIR a directory of its own.
with_test_filesystems() {
	local suite=$1 base fs
	base=$(mktemp -d /tmp/addons.XXXXXX)
	for fs in $ALL_TEST_FILESYSTEMS; do
		if mount_test_fs "$fs" "$base/$fs"; then
			mkdir "$base/$fs/$suite"
			"$suite" "$fs" "$base/$fs/$suite"
			umount "$base/$fs"
		else
			nok "$suite/$fs-setup" "cannot make or mount the $fs filesystem"
		fi
	done
	rm -rf "$base"
}
