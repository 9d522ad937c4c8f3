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
	awk '$1 == "inode_addons" { printf "slabinfo: %s active / %s objects", $2, $3 }' /proc/slabinfo
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

# Runs SUITE FSNAME DIR on a fresh tmpfs and on a fresh ext4 (loop image).
with_test_filesystems() {
	local suite=$1 base img
	base=$(mktemp -d /tmp/addons.XXXXXX)
	mkdir -p "$base/tmpfs" "$base/ext4"
	mount -t tmpfs addons-test "$base/tmpfs"
	"$suite" tmpfs "$base/tmpfs"
	umount "$base/tmpfs"

	img=$base/ext4.img
	truncate -s 64M "$img"
	if mkfs.ext4 -q -F "$img" && mount -o loop "$img" "$base/ext4"; then
		"$suite" ext4 "$base/ext4"
		umount "$base/ext4"
	else
		nok "$suite/ext4-setup" "cannot make or mount the ext4 image"
	fi
	rm -rf "$base"
}
